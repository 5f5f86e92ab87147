import type { ParameterStep } from '../api/get-parameter-schema.js';
import { pageFields } from './split-schema.js';

const show = (value: unknown) => (Array.isArray(value) ? value.join(', ') : typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value));

/** What the user entered, page by page, before the run starts. Secrets are masked. */
export function ReviewValues({ steps, values }: { steps: ParameterStep[]; values: Record<string, unknown> }) {
  return (
    <div className="review">
      {steps.map((step) => {
        const fields = pageFields(step.schema).filter((field) => values[field.name] !== undefined && values[field.name] !== '');
        return (
          <section key={step.title} aria-label={step.title}>
            <h3>{step.title}</h3>
            {fields.length === 0 ? (
              <p className="muted">Nothing entered.</p>
            ) : (
              <dl className="values">
                {fields.map((field) => (
                  <div key={field.name}>
                    <dt>{field.title}</dt>
                    <dd>{field.secret ? '••••••' : show(values[field.name])}</dd>
                  </div>
                ))}
              </dl>
            )}
          </section>
        );
      })}
    </div>
  );
}
