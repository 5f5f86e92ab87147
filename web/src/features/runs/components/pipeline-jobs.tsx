import { formatDuration } from '../../../components/format-duration.js';
import { StatusBadge } from '../../../components/status-badge.js';
import type { PipelineJob } from '../api/get-pipeline-runs.js';

const stepStatus = (step: PipelineJob['steps'][number]) => (step.skipped ? 'skipped' : step.stopped ? 'cancelled' : step.exitCode === 0 ? 'succeeded' : step.exitCode === null ? 'running' : 'failed');

/** Each finished job's steps: exit code, time taken, and why one stopped or was skipped. */
export function PipelineJobs({ jobs }: { jobs: PipelineJob[] }) {
  if (jobs.length === 0) return <p className="muted">No job has finished yet.</p>;
  return (
    <div className="jobs">
      {jobs.map((job) => (
        <section key={job.job} aria-label={`Job ${job.job}`}>
          <h3>{job.job}</h3>
          <ol className="run-steps">
            {job.steps.map((step, index) => (
              <li key={`${index}-${step.name}`}>
                <span>{step.name}</span> <StatusBadge status={stepStatus(step)} />{' '}
                <span className="muted">
                  {step.exitCode !== null && `exit ${step.exitCode} · `}
                  {formatDuration(step.durationMs)}
                  {step.stopped && ` · ${step.stopped}`}
                  {step.skipped && ` · ${step.skipped}`}
                </span>
              </li>
            ))}
          </ol>
        </section>
      ))}
    </div>
  );
}
