import Form from '@rjsf/core';
import type { IChangeEvent } from '@rjsf/core';
import validator from '@rjsf/validator-ajv8';
import { useMemo, useRef, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { ApiError } from '../../../api/client.js';
import { ErrorState, LoadingState } from '../../../components/states.js';
import { useCreateTask } from '../api/create-task.js';
import { useParameterSchema } from '../api/get-parameter-schema.js';
import { FieldTemplate } from './field-template.js';
import { scaffolderFields } from './fields/scaffolder-fields.js';
import { ReviewValues } from './review-values.js';
import { type FormProblem, pageErrorSchema, placeProblems } from './server-problems.js';
import { splitSchema } from './split-schema.js';

/**
 * A template's form: one page per parameter step (Next/Back), a review, then Create, which
 * starts the run and opens it. The server checks the values again; its problems go back to
 * the fields they name, and the form opens on the first page with one.
 */
export function TemplateFormPage() {
  const { namespace = 'default', name = '' } = useParams();
  const parameters = useParameterSchema(namespace, name);
  const pages = useMemo(() => (parameters.data?.steps ?? []).map((step) => ({ ...step, ...splitSchema(step.schema) })), [parameters.data]);
  const [page, setPage] = useState(0);
  const [values, setValues] = useState<Record<string, unknown>>({});
  const [problems, setProblems] = useState<FormProblem[]>([]);
  const [failure, setFailure] = useState<string | null>(null);
  const [invalid, setInvalid] = useState(0);
  const createTask = useCreateTask();
  const navigate = useNavigate();
  const heading = useRef<HTMLHeadingElement>(null);

  if (parameters.isPending) return <LoadingState label="Loading the template" />;
  if (parameters.error) {
    return (
      <section className="page">
        <h1>Template {name}</h1>
        <ErrorState error={parameters.error} retry={() => void parameters.refetch()} />
        <Link to="/create">Back to the templates</Link>
      </section>
    );
  }

  const reviewing = page >= pages.length;
  const current = pages[page];
  const goTo = (next: number) => {
    setPage(next);
    // The page changes under the reader: bring focus (and the screen reader) to its title.
    requestAnimationFrame(() => heading.current?.focus());
  };

  async function create() {
    setFailure(null);
    setProblems([]);
    try {
      const { id } = await createTask.mutateAsync({ templateRef: `template:${namespace}/${name}`, values });
      navigate(`/create/runs/${id}`);
    } catch (error) {
      if (error instanceof ApiError && error.status === 400 && error.details.problems?.length) {
        const placed = placeProblems(error.details.problems, pages);
        setProblems(placed);
        setFailure(error.message);
        const first = placed.find((problem) => problem.page !== null);
        if (first) goTo(first.page!);
      } else {
        setFailure((error as Error).message);
      }
    }
  }

  function change(event: IChangeEvent) {
    const next = (event.formData ?? {}) as Record<string, unknown>;
    setValues((previous) => ({ ...previous, ...next }));
    // A field's server problem goes away once the user changes that field; the summary with the last one.
    const field = (problem: FormProblem) => problem.path.split('.')[0] ?? '';
    const remaining = problems.filter((problem) => problem.page !== page || next[field(problem)] === values[field(problem)]);
    if (remaining.length !== problems.length) {
      setProblems(remaining);
      if (remaining.length === 0) setFailure(null);
    }
  }

  return (
    <section className="page template-form">
      <p className="breadcrumbs">
        <Link to="/create">Create</Link> / {parameters.data.title}
      </p>
      <h1>{parameters.data.title}</h1>
      {parameters.data.description && <p className="muted">{parameters.data.description}</p>}

      <ol className="wizard-steps" aria-label="Form steps">
        {[...pages.map((step) => step.title), 'Review'].map((title, index) => (
          <li key={`${index}-${title}`} aria-current={index === page ? 'step' : undefined} className={index === page ? 'current' : index < page ? 'done' : ''}>
            <span className="step-number" aria-hidden="true">{index + 1}</span> {title}
          </li>
        ))}
      </ol>

      {failure && (
        <div className="form-summary" role="alert">
          <strong>The run could not start: {problems.length > 0 ? 'please fix these fields.' : failure}</strong>
          {problems.length > 0 && (
            <ul>
              {problems.map((problem) => (
                <li key={`${problem.path}-${problem.message}`}>
                  {problem.page !== null && problem.page !== page ? (
                    <button type="button" className="link" onClick={() => goTo(problem.page!)}>
                      {problem.message}
                    </button>
                  ) : (
                    problem.message
                  )}
                </li>
              ))}
            </ul>
          )}
        </div>
      )}

      <div className="card">
        <h2 ref={heading} tabIndex={-1}>
          {reviewing ? 'Review' : current!.title}
        </h2>
        {reviewing ? (
          <>
            <ReviewValues steps={parameters.data.steps} values={values} />
            <div className="actions">
              <button type="button" onClick={() => goTo(pages.length - 1)} disabled={pages.length === 0 || createTask.isPending}>
                Back
              </button>
              <button type="button" className="primary" onClick={() => void create()} disabled={createTask.isPending}>
                {createTask.isPending ? 'Creating…' : 'Create'}
              </button>
            </div>
          </>
        ) : (
          <>
            {current!.description && <p className="muted">{current!.description}</p>}
            <Form
              key={page}
              schema={current!.schema}
              uiSchema={{ ...current!.uiSchema, 'ui:title': '', 'ui:description': '' }}
              formData={values}
              validator={validator}
              fields={scaffolderFields}
              templates={{ FieldTemplate }}
              extraErrors={pageErrorSchema(problems, page)}
              showErrorList={false}
              noHtml5Validate
              onChange={change}
              focusOnFirstError
              onError={(errors) => setInvalid(errors.length)}
              onSubmit={() => {
                setInvalid(0);
                goTo(page + 1);
              }}
            >
              <p role="status" className="visually-hidden">
                {invalid > 0 ? `${invalid === 1 ? 'One field needs' : `${invalid} fields need`} attention.` : ''}
              </p>
              <div className="actions">
                {page > 0 && (
                  <button type="button" onClick={() => goTo(page - 1)}>
                    Back
                  </button>
                )}
                <button type="submit" className="primary">
                  {page === pages.length - 1 ? 'Review' : 'Next'}
                </button>
              </div>
            </Form>
          </>
        )}
      </div>
    </section>
  );
}
