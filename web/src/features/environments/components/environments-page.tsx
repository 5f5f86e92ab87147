import { Link } from 'react-router';
import { EmptyState, ErrorState, LoadingState } from '../../../components/states.js';
import { StatusBadge } from '../../../components/status-badge.js';
import type { WorkloadState } from '../../../api/delivery.js';
import { type Environment, useEnvironments } from '../../../api/delivery.js';
import { useWorkloads } from '../api/get-workloads.js';

function EnvironmentCard({ environment, workloads }: { environment: Environment; workloads: WorkloadState[] | undefined }) {
  const headingId = `environment-${environment.name}`;
  return (
    <article className="card environment-card" aria-labelledby={headingId}>
      <h2 id={headingId}>
        <Link to={`/environments/${environment.name}`}>{environment.name}</Link>
      </h2>
      <dl className="fact-list">
        <div>
          <dt>Type</dt>
          <dd>{environment.type}</dd>
        </div>
        <div>
          <dt>Runtime</dt>
          <dd>{environment.runtime}</dd>
        </div>
        {environment.promotesTo && (
          <div>
            <dt>Promotes to</dt>
            <dd>{environment.promotesTo}</dd>
          </div>
        )}
        {environment.preview && (
          <div>
            <dt>Preview of</dt>
            <dd>
              {environment.preview.repository} · {environment.preview.branch}
            </dd>
          </div>
        )}
        {environment.expiresAt && (
          <div>
            <dt>Expires</dt>
            <dd>{new Date(environment.expiresAt).toLocaleString()}</dd>
          </div>
        )}
      </dl>
      {workloads !== undefined &&
        (workloads.length === 0 ? (
          <p className="muted">Nothing deployed.</p>
        ) : (
          <ul className="list" aria-label={`Workloads in ${environment.name}`}>
            {workloads.map((workload) => (
              <li key={workload.workload}>
                {workload.workload} <StatusBadge status={workload.instance?.health ?? workload.deployment.status} />
              </li>
            ))}
          </ul>
        ))}
      <p>
        {environment.status !== 'active' && <StatusBadge status={environment.status} />} {environment.requiresApproval && <span className="badge idle">needs approval</span>}{' '}
        {!environment.longLived && <span className="badge idle">on demand</span>}
      </p>
    </article>
  );
}

/** Every environment, in promotion order, then the previews and ad hoc ones. */
export function EnvironmentsPage() {
  const environments = useEnvironments();
  const workloads = useWorkloads();
  const workloadsOf = (name: string) => workloads.data?.items.filter((workload) => workload.environment === name);
  const longLived = environments.data?.items.filter((environment) => environment.longLived) ?? [];
  const others = environments.data?.items.filter((environment) => !environment.longLived) ?? [];
  return (
    <section className="page" aria-labelledby="environments-title">
      <h1 id="environments-title">Environments</h1>
      {environments.isPending ? (
        <LoadingState label="Loading environments" />
      ) : environments.error ? (
        <ErrorState error={environments.error} retry={() => void environments.refetch()} />
      ) : environments.data.items.length === 0 ? (
        <EmptyState title="No environments yet">Environments are configured under delivery.environments, or made on demand.</EmptyState>
      ) : (
        <>
          {longLived.length > 0 && (
            <ol className="grid environments" aria-label="Long-lived environments, in promotion order">
              {longLived.map((environment) => (
                <li key={environment.name}>
                  <EnvironmentCard environment={environment} workloads={workloadsOf(environment.name)} />
                </li>
              ))}
            </ol>
          )}
          {others.length > 0 && (
            <>
              <h2>Previews and on-demand environments</h2>
              <ul className="grid environments">
                {others.map((environment) => (
                  <li key={environment.name}>
                    <EnvironmentCard environment={environment} workloads={workloadsOf(environment.name)} />
                  </li>
                ))}
              </ul>
            </>
          )}
        </>
      )}
    </section>
  );
}
