import { useSearchParams } from 'react-router';
import { EmptyState, ErrorState, LoadingState } from '../../../components/states.js';
import { StatusBadge } from '../../../components/status-badge.js';
import { usePipelineRuns } from '../api/get-pipeline-runs.js';
import type { RepositoryName } from '../api/get-repository.js';
import { RunLog } from './run-log.js';

/** The repository's pipeline runs, and the chosen one's log (live while it runs). */
export function PipelinesTab({ repository }: { repository: RepositoryName }) {
  const runs = usePipelineRuns(repository);
  const [search, setSearch] = useSearchParams();

  if (runs.isPending) return <LoadingState label="Loading pipeline runs" />;
  if (runs.error) return <ErrorState error={runs.error} retry={() => void runs.refetch()} />;
  const items = runs.data.items;
  if (items.length === 0) return <EmptyState title="No pipeline runs yet">A push to the repository runs its .paved/pipeline.yaml.</EmptyState>;
  const selected = items.find((run) => run.id === search.get('run')) ?? items[0]!;

  function select(id: string) {
    setSearch(
      (previous) => {
        const next = new URLSearchParams(previous);
        next.set('run', id);
        return next;
      },
      { replace: true },
    );
  }

  return (
    <div className="pipelines-tab">
      <div className="table-scroll">
        <table>
          <caption>Pipeline runs</caption>
          <thead>
            <tr>
              <th scope="col">Run</th>
              <th scope="col">Status</th>
              <th scope="col">Branch</th>
              <th scope="col">Commit</th>
              <th scope="col">Trigger</th>
              <th scope="col">Started</th>
            </tr>
          </thead>
          <tbody>
            {items.map((run) => (
              <tr key={run.id} aria-current={run.id === selected.id ? 'true' : undefined} className={run.id === selected.id ? 'selected' : undefined}>
                <th scope="row">
                  <button type="button" className="link" aria-pressed={run.id === selected.id} onClick={() => select(run.id)}>
                    Run #{run.number}
                  </button>
                </th>
                <td>
                  <StatusBadge status={run.status} />
                </td>
                <td>{run.branch}</td>
                <td>
                  <code>{run.commit.slice(0, 7)}</code>
                </td>
                <td>
                  {run.event} <span className="muted small">by {run.createdBy.replace(/^user:(default\/)?/, '')}</span>
                </td>
                <td>{new Date(run.startedAt ?? run.createdAt).toLocaleString()}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <RunLog key={selected.id} run={selected} />
    </div>
  );
}
