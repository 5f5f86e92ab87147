import { formatDuration } from '../../../components/format-duration.js';
import { EmptyState } from '../../../components/states.js';
import { StatusBadge } from '../../../components/status-badge.js';
import type { Resource } from '../api/get-environment.js';

const SECRET = '[secret]';

function Outputs({ outputs }: { outputs: Record<string, unknown> }) {
  const entries = Object.entries(outputs);
  if (entries.length === 0) return <span className="muted">none</span>;
  return (
    <dl className="outputs">
      {entries.map(([name, value]) => (
        <div key={name}>
          <dt>{name}</dt>
          <dd>{value === SECRET ? <span className="badge idle" title="Kept secret: only the workload sees it">secret</span> : <code>{typeof value === 'string' ? value : JSON.stringify(value)}</code>}</dd>
        </div>
      ))}
    </dl>
  );
}

/** What the environment's workloads depend on: databases, caches, routes… with their outputs. */
export function ResourcesTable({ resources }: { resources: Resource[] }) {
  if (resources.length === 0) return <EmptyState title="No resources in this environment" />;
  return (
    <div className="table-scroll">
      <table aria-label="Resources">
        <thead>
          <tr>
            <th scope="col">Resource</th>
            <th scope="col">Workload</th>
            <th scope="col">Status</th>
            <th scope="col">Outputs</th>
            <th scope="col">Provisioned in</th>
          </tr>
        </thead>
        <tbody>
          {resources.map((resource) => (
            <tr key={`${resource.workload}-${resource.key}`}>
              <td>
                <strong>{resource.key}</strong>
                <div className="muted">
                  {resource.type}
                  {resource.class !== 'default' && ` (${resource.class})`} · {resource.provisioner}
                </div>
              </td>
              <td>{resource.workload}</td>
              <td>
                <StatusBadge status={resource.status} />
                {resource.error && <div className="error-text">{resource.error}</div>}
              </td>
              <td>
                <Outputs outputs={resource.outputs} />
              </td>
              <td>{formatDuration(resource.provisionMs)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
