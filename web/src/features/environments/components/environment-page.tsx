import { Link, useParams } from 'react-router';
import { EmptyState, ErrorState, LoadingState } from '../../../components/states.js';
import { StatusBadge } from '../../../components/status-badge.js';
import { useEnvironment } from '../api/get-environment.js';
import { ResourcesTable } from './resources-table.js';
import { WorkloadCard } from './workload-card.js';

/** One environment: its workloads (health, time to provision, promote, roll back, output) and resources. */
export function EnvironmentPage() {
  const { name = '' } = useParams();
  const environment = useEnvironment(name);
  if (environment.isPending) return <LoadingState label="Loading the environment" />;
  if (environment.error) {
    return (
      <section className="page">
        <h1>Environment {name}</h1>
        <ErrorState error={environment.error} retry={() => void environment.refetch()} />
      </section>
    );
  }
  const detail = environment.data;
  return (
    <section className="page environment-page" aria-labelledby="environment-title">
      <p className="breadcrumbs">
        <Link to="/environments">Environments</Link> / {detail.name}
      </p>
      <h1 id="environment-title">Environment {detail.name}</h1>
      <p className="muted">
        {detail.type} on the {detail.runtime} runtime
        {detail.promotesTo && <> · promotes to <Link to={`/environments/${detail.promotesTo}`}>{detail.promotesTo}</Link></>}
        {detail.requiresApproval && ' · deployments need an owner’s approval'}
        {detail.expiresAt && ` · expires ${new Date(detail.expiresAt).toLocaleString()}`} {detail.status !== 'active' && <StatusBadge status={detail.status} />}
      </p>

      <h2>Workloads</h2>
      {detail.workloads.length === 0 ? (
        <EmptyState title="Nothing is deployed here yet" />
      ) : (
        <div className="grid workloads">
          {detail.workloads.map((workload) => (
            <WorkloadCard key={workload.workload} state={workload} promotesTo={detail.promotesTo} />
          ))}
        </div>
      )}

      <h2>Resources</h2>
      <ResourcesTable resources={detail.resources} />
    </section>
  );
}
