import { StatusBadge } from '../../../components/status-badge.js';

export interface StepProgress {
  id: string;
  name: string;
  status: string;
}

/** The template's steps, each with how far it got. */
export function RunSteps({ steps }: { steps: StepProgress[] }) {
  return (
    <ol className="run-steps" aria-label="Steps">
      {steps.map((step) => (
        <li key={step.id}>
          <span>{step.name}</span> <StatusBadge status={step.status} />
        </li>
      ))}
    </ol>
  );
}
