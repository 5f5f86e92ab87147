import { useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { LogView } from '../../../components/log-view.js';
import { StatusBadge } from '../../../components/status-badge.js';
import { useEventStream } from '../../../components/use-event-stream.js';
import type { PipelineRun } from '../api/get-pipeline-runs.js';

/** One line of a run's log, as the `log` event carries it. */
interface RunLogLine {
  seq: number;
  level: 'info' | 'warn' | 'error';
  stepId: string | null;
  message: string;
}

/** A run's log, streamed from the server as it is written, then the run's outcome. */
export function RunLog({ run }: { run: PipelineRun }) {
  const queryClient = useQueryClient();
  const stream = useEventStream<RunLogLine, PipelineRun>(`/api/pipelines/runs/${encodeURIComponent(run.id)}/events`);
  const outcome = stream.completion;

  useEffect(() => {
    if (outcome) void queryClient.invalidateQueries({ queryKey: ['pipelines'] });
  }, [outcome, queryClient]);

  const status = outcome?.status ?? run.status;
  return (
    <section className="run-log card" aria-labelledby="run-log-title">
      <h2 id="run-log-title">
        Log of run #{run.number} <StatusBadge status={status} />
      </h2>
      {outcome?.error && <p className="error-text">{outcome.error}</p>}
      {stream.error && <p className="error-text">The log stream stopped: {stream.error}</p>}
      <LogView
        label={`Log of run #${run.number}`}
        empty={outcome ? 'The run wrote no log.' : 'Waiting for the log…'}
        lines={stream.logs.map((line) => ({ key: line.seq, text: line.message, ...(line.stepId ? { tag: line.stepId } : {}), ...(line.level === 'error' ? { tone: 'error' as const } : {}) }))}
      />
      {outcome && (
        <p className="muted small" role="status">
          Run #{outcome.number} {outcome.status}
          {outcome.finishedAt ? ` at ${new Date(outcome.finishedAt).toLocaleTimeString()}` : ''}.
        </p>
      )}
    </section>
  );
}
