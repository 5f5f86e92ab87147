import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { Link, useParams } from 'react-router';
import { type LogViewLine, LogView } from '../../../components/log-view.js';
import { ErrorState, LoadingState } from '../../../components/states.js';
import { StatusBadge } from '../../../components/status-badge.js';
import { useEventStream } from '../../../components/use-event-stream.js';
import { type TaskEvent, isTaskFinished, taskEventStreamUrl, taskQueryOptions, useTask } from '../api/get-task.js';
import { useTemplateTitle } from '../api/get-template-title.js';
import { useRetryTask } from '../api/retry-task.js';
import { OutputLinks } from './output-links.js';
import { RunSteps } from './run-steps.js';

/** A template run: its steps as they go, its live log, and what it made. */
export function RunPage() {
  const { id = '' } = useParams();
  const task = useTask(id);
  const title = useTemplateTitle(task.data?.spec.templateInfo.entityRef);
  // A retry writes on into the same log: following again, from the start, is simplest.
  const [attempt, setAttempt] = useState(0);
  const stream = useEventStream<TaskEvent, TaskEvent>(task.data ? `${taskEventStreamUrl(id)}${attempt > 0 ? `?attempt=${attempt}` : ''}` : null);
  const retry = useRetryTask(id);
  const queryClient = useQueryClient();

  // The completion event carries the outcome; the run itself (output, error) is read again then.
  useEffect(() => {
    if (stream.completion) void queryClient.invalidateQueries({ queryKey: taskQueryOptions(id).queryKey });
  }, [stream.completion, id, queryClient]);

  if (task.isPending) return <LoadingState label="Loading the run" />;
  if (task.error) {
    return (
      <section className="page">
        <h1>Template run</h1>
        <ErrorState error={task.error} retry={() => void task.refetch()} />
      </section>
    );
  }
  const run = task.data;
  const status = (stream.completion?.body.status as typeof run.status | undefined) ?? run.status;
  const finished = isTaskFinished(status);
  const templateRef = /^template:([^/]+)\/(.+)$/.exec(run.spec.templateInfo.entityRef);
  const stepStatus = new Map<string, string>();
  for (const event of stream.logs) if (event.body.stepId && event.body.status) stepStatus.set(event.body.stepId, event.body.status);
  const steps = run.spec.steps.map((step) => ({ id: step.id, name: step.name ?? step.id, status: stepStatus.get(step.id) ?? (finished ? 'skipped' : 'open') }));
  const stepNames = new Map(steps.map((step) => [step.id, step.name]));
  const lines: LogViewLine[] = stream.logs.map((event) => ({
    key: event.id,
    text: event.body.message,
    ...(event.body.stepId ? { tag: stepNames.get(event.body.stepId) ?? event.body.stepId } : {}),
    ...(event.body.status === 'failed' ? { tone: 'error' as const } : {}),
  }));
  const links = run.output?.links ?? stream.completion?.body.output?.links ?? [];
  const texts = run.output?.text ?? [];
  const error = run.error?.message ?? stream.completion?.body.error?.message;

  return (
    <section className="page run-page">
      <p className="breadcrumbs">
        <Link to="/create">Create</Link> / <Link to="/runs">Runs</Link>
      </p>
      {title.isPending ? <h1>Run</h1> : <h1>Run of {title.data}</h1>}
      <p className="run-meta">
        <span role="status" aria-live="polite">
          Status: <StatusBadge status={status} />
        </span>{' '}
        <span className="muted">
          started {new Date(run.createdAt).toLocaleString()} by {run.createdBy.replace(/^user:(default\/)?/, '')}
        </span>
      </p>

      {status === 'failed' && error && (
        <div className="state error" role="alert">
          <strong>The run failed</strong>
          <div>{error}</div>
        </div>
      )}
      {(status === 'failed' || status === 'cancelled') && (
        <div className="actions">
          <button type="button" onClick={() => retry.mutate(undefined, { onSuccess: () => setAttempt((count) => count + 1) })} disabled={retry.isPending}>
            Retry from the failed step
          </button>
          {templateRef && <Link to={`/create/templates/${templateRef[1]}/${templateRef[2]}`}>Start over with the form</Link>}
          {retry.error && (
            <p role="alert" className="error-text">
              {retry.error.message}
            </p>
          )}
        </div>
      )}

      {status === 'completed' && (links.length > 0 || texts.length > 0) && (
        <article className="card" aria-labelledby="run-output">
          <h2 id="run-output">Output</h2>
          {links.length > 0 && <OutputLinks links={links} />}
          {texts.map((text, index) => (
            <div key={index} className="output-text">
              {text.title && <h3>{text.title}</h3>}
              <pre>{text.content}</pre>
            </div>
          ))}
        </article>
      )}

      <div className="run-layout">
        <article className="card" aria-labelledby="run-steps">
          <h2 id="run-steps">Steps</h2>
          <RunSteps steps={steps} />
        </article>
        <article className="card" aria-labelledby="run-log">
          <h2 id="run-log">Log</h2>
          {stream.error && stream.connection !== 'ended' && <p className="muted">Connection lost ({stream.error}); reconnecting…</p>}
          {stream.error && stream.connection === 'ended' && <ErrorState error={stream.error} />}
          <LogView lines={lines} empty={finished ? 'Nothing was logged.' : 'Waiting for the first step…'} />
        </article>
      </div>
    </section>
  );
}
