import { Link } from 'react-router';
import { elapsed } from '../../../components/format-duration.js';
import { EmptyState, ErrorState, LoadingState } from '../../../components/states.js';
import { StatusBadge } from '../../../components/status-badge.js';
import { type PipelineRunFilter, usePipelineRuns } from '../api/get-pipeline-runs.js';

/** Pipeline runs of every repository (or one), live while any is still going. */
export function PipelineRunsTable({ filter }: { filter: PipelineRunFilter }) {
  const runs = usePipelineRuns(filter);
  if (runs.isPending) return <LoadingState label="Loading pipeline runs" />;
  if (runs.error) return <ErrorState error={runs.error} retry={() => void runs.refetch()} />;
  if (runs.data.items.length === 0) {
    return <EmptyState title={filter.repository || filter.branch || filter.status ? 'No pipeline runs match these filters' : 'No pipeline runs yet'}>A push to a repository with a .paved/pipeline.yaml starts one.</EmptyState>;
  }
  return (
    <div className="table-scroll">
      <table aria-label="Pipeline runs">
        <thead>
          <tr>
            <th scope="col">Run</th>
            <th scope="col">Status</th>
            <th scope="col">Branch</th>
            <th scope="col">Commit</th>
            <th scope="col">Trigger</th>
            <th scope="col">Started</th>
            <th scope="col">Took</th>
          </tr>
        </thead>
        <tbody aria-live="polite">
          {runs.data.items.map((run) => (
            <tr key={run.id}>
              <td>
                <Link to={`/runs/pipelines/${run.id}`}>
                  {run.repository} #{run.number}
                </Link>
              </td>
              <td>
                <StatusBadge status={run.status} />
              </td>
              <td>{run.branch}</td>
              <td>
                <code>{run.commit.slice(0, 7)}</code>
              </td>
              <td>{run.event}</td>
              <td>{new Date(run.createdAt).toLocaleString()}</td>
              <td>{elapsed(run.startedAt, run.finishedAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
