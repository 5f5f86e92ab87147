import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { StatusBadge } from '../../../components/status-badge.js';
import { followRunEvents, type RunLogLine } from '../api/follow-run-events.js';
import type { PipelineRun } from '../api/get-pipeline-runs.js';

/**
 * A run's log, streamed from the server as it is written, then the run's outcome. Lines are
 * announced politely to screen readers; the view follows the end unless the reader scrolled up.
 */
export function RunLog({ run }: { run: PipelineRun }) {
  const queryClient = useQueryClient();
  const [lines, setLines] = useState<RunLogLine[]>([]);
  const [outcome, setOutcome] = useState<PipelineRun | undefined>();
  const [error, setError] = useState<string | undefined>();
  const region = useRef<HTMLDivElement>(null);
  const pinned = useRef(true);

  useEffect(() => {
    const controller = new AbortController();
    let pending: RunLogLine[] = [];
    let frame = 0;
    // Many lines a second arrive; they are drawn once a frame.
    const flush = () => {
      frame = 0;
      const batch = pending;
      pending = [];
      setLines((previous) => [...previous, ...batch]);
    };
    followRunEvents(
      run.id,
      {
        onLine: (line) => {
          pending.push(line);
          frame ||= requestAnimationFrame(flush);
        },
        onCompletion: (finished) => {
          setOutcome(finished);
          void queryClient.invalidateQueries({ queryKey: ['pipelines'] });
        },
      },
      controller.signal,
    ).catch((cause: unknown) => setError(cause instanceof Error ? cause.message : String(cause)));
    return () => {
      controller.abort();
      cancelAnimationFrame(frame);
    };
  }, [run.id, queryClient]);

  useEffect(() => {
    const element = region.current;
    if (element && pinned.current) element.scrollTop = element.scrollHeight;
  }, [lines]);

  const status = outcome?.status ?? run.status;
  return (
    <section className="run-log card" aria-labelledby="run-log-title">
      <h2 id="run-log-title">
        Log of run #{run.number} <StatusBadge status={status} />
      </h2>
      {outcome?.error && <p className="error-text">{outcome.error}</p>}
      {error && <p className="error-text">The log stream stopped: {error}</p>}
      <div
        ref={region}
        className="log"
        role="log"
        aria-live="polite"
        aria-label={`Log of run #${run.number}`}
        tabIndex={0}
        onScroll={(event) => {
          const element = event.currentTarget;
          pinned.current = element.scrollHeight - element.scrollTop - element.clientHeight < 24;
        }}
      >
        {lines.length === 0 && !outcome && <div className="muted">Waiting for the log…</div>}
        {lines.length === 0 && outcome && <div className="muted">The run wrote no log.</div>}
        {lines.map((line) => (
          <div key={line.seq} className={`log-line ${line.level}${line.stepStatus ? ' step' : ''}`}>
            {line.stepId && <span className="log-step">{line.stepId}</span>}
            {line.message}
          </div>
        ))}
      </div>
      {outcome && (
        <p className="muted small" role="status">
          Run #{outcome.number} {outcome.status}
          {outcome.finishedAt ? ` at ${new Date(outcome.finishedAt).toLocaleTimeString()}` : ''}.
        </p>
      )}
    </section>
  );
}
