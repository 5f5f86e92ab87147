import { Link } from 'react-router';
import { EmptyState, ErrorState, LoadingState } from '../../../components/states.js';
import { StatusBadge } from '../../../components/status-badge.js';
import { useTemplateRuns } from '../api/get-template-runs.js';
import { useTemplateTitles } from '../api/get-template-titles.js';

const shortRef = (ref: string) => ref.replace(/^[a-z]+:(default\/)?/, '');

/** Template runs, live while any is still going. */
export function TemplateRunsTable({ status }: { status?: string }) {
  const runs = useTemplateRuns(status ? { status } : {});
  const titles = useTemplateTitles();
  if (runs.isPending) return <LoadingState label="Loading template runs" />;
  if (runs.error) return <ErrorState error={runs.error} retry={() => void runs.refetch()} />;
  if (runs.data.tasks.length === 0) {
    return (
      <EmptyState title={status ? `No ${status} template runs` : 'No template runs yet'}>
        <Link to="/create">Create something from a template</Link>.
      </EmptyState>
    );
  }
  return (
    <div className="table-scroll">
      <table aria-label="Template runs">
        <thead>
          <tr>
            <th scope="col">Template</th>
            <th scope="col">Status</th>
            <th scope="col">Started</th>
            <th scope="col">By</th>
          </tr>
        </thead>
        <tbody aria-live="polite">
          {runs.data.tasks.map((run) => (
            <tr key={run.id}>
              <td>
                <Link to={`/create/runs/${run.id}`}>{titles.data?.get(run.spec.templateInfo.entityRef) ?? shortRef(run.spec.templateInfo.entityRef)}</Link>
              </td>
              <td>
                <StatusBadge status={run.status} />
              </td>
              <td>{new Date(run.createdAt).toLocaleString()}</td>
              <td>{shortRef(run.createdBy)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {runs.data.totalTasks > runs.data.tasks.length && <p className="muted table-note">Showing the latest {runs.data.tasks.length} of {runs.data.totalTasks}.</p>}
    </div>
  );
}
