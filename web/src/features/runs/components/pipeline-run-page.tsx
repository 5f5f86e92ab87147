import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { Link, useParams } from 'react-router';
import { elapsed } from '../../../components/format-duration.js';
import { LogView } from '../../../components/log-view.js';
import { ErrorState, LoadingState } from '../../../components/states.js';
import { StatusBadge } from '../../../components/status-badge.js';
import { useEventStream } from '../../../components/use-event-stream.js';
import { useChangePipelineRun } from '../api/change-pipeline-run.js';
import { type PipelineLogLine, pipelineRunEventsUrl, pipelineRunQueryOptions, usePipelineRun } from '../api/get-pipeline-run.js';
import { type PipelineRun, isPipelineRunFinished } from '../api/get-pipeline-runs.js';
import { PipelineJobs } from './pipeline-jobs.js';

/** One pipeline run: status, jobs and steps, and its log as it is written. */
export function PipelineRunPage() {
  const { id = '' } = useParams();
  const run = usePipelineRun(id);
  // A re-run writes on into the same log: following again (from the start) is simplest.
  const [attempt, setAttempt] = useState(0);
  const stream = useEventStream<PipelineLogLine, PipelineRun>(run.data ? `${pipelineRunEventsUrl(id)}${attempt > 0 ? `?attempt=${attempt}` : ''}` : null);
  const change = useChangePipelineRun(id);
  const queryClient = useQueryClient();

  // The completion event is the finished run itself.
  useEffect(() => {
    if (stream.completion) queryClient.setQueryData(pipelineRunQueryOptions(id).queryKey, stream.completion);
  }, [stream.completion, id, queryClient]);

  if (run.isPending) return <LoadingState label="Loading the run" />;
  if (run.error) {
    return (
      <section className="page">
        <h1>Pipeline run</h1>
        <ErrorState error={run.error} retry={() => void run.refetch()} />
      </section>
    );
  }
  const current = run.data;
  const finished = isPipelineRunFinished(current);
  return (
    <section className="page run-page">
      <p className="breadcrumbs">
        <Link to="/runs?view=pipelines">Pipeline runs</Link> / <Link to={`/runs?view=pipelines&repository=${encodeURIComponent(current.repository)}`}>{current.repository}</Link>
      </p>
      <h1>
        Pipeline run {current.repository} #{current.number}
      </h1>
      <p className="run-meta">
        <span role="status" aria-live="polite">
          Status: <StatusBadge status={current.status} />
        </span>{' '}
        <span className="muted">
          {current.event} of <code>{current.commit.slice(0, 7)}</code> on {current.branch} by {current.createdBy.replace(/^user:(default\/)?/, '')}, {new Date(current.createdAt).toLocaleString()} · took {elapsed(current.startedAt, current.finishedAt)}
        </span>
      </p>
      <div className="actions">
        {!finished && (
          <button type="button" onClick={() => change.mutate('cancel')} disabled={change.isPending}>
            Cancel run
          </button>
        )}
        {(current.status === 'failed' || current.status === 'cancelled') && (
          <button type="button" onClick={() => change.mutate('rerun', { onSuccess: () => setAttempt((count) => count + 1) })} disabled={change.isPending}>
            Run again
          </button>
        )}
      </div>
      {change.error && (
        <p role="alert" className="error-text">
          {change.error.message}
        </p>
      )}
      {current.status === 'failed' && current.error && (
        <div className="state error" role="alert">
          <strong>The run failed{current.failedJob ? ` in ${current.failedJob}` : ''}</strong>
          <div>{current.error}</div>
        </div>
      )}
      <div className="run-layout">
        <article className="card" aria-labelledby="run-jobs">
          <h2 id="run-jobs">Jobs</h2>
          <PipelineJobs jobs={current.jobs} />
        </article>
        <article className="card" aria-labelledby="run-log">
          <h2 id="run-log">Log</h2>
          {stream.error && stream.connection !== 'ended' && <p className="muted">Connection lost ({stream.error}); reconnecting…</p>}
          <LogView
            lines={stream.logs.map((line) => ({ key: line.seq, text: line.message, ...(line.level === 'error' ? { tone: 'error' as const } : {}) }))}
            empty={finished ? 'Nothing was logged.' : 'Waiting for the first line…'}
          />
        </article>
      </div>
    </section>
  );
}
