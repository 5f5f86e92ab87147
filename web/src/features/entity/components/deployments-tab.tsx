import { EmptyState, ErrorState, LoadingState } from '../../../components/states.js';
import { StatusBadge } from '../../../components/status-badge.js';
import { type Deployment, promoteDeployment, rollbackDeployment, useEnvironments } from '../../../api/delivery.js';
import { useDeployments, useWorkloads } from '../api/get-deliveries.js';
import { useQueryClient } from '@tanstack/react-query';
import { DeliveryAction } from './delivery-action.js';

const when = (iso: string) => new Date(iso).toLocaleString();

/** Where the component runs (health, address, promotion onward) and every deployment of it, with roll back. */
export function DeploymentsTab({ componentRef }: { componentRef: string }) {
  const workloads = useWorkloads(componentRef);
  const deployments = useDeployments(componentRef);
  const environments = useEnvironments();
  const queryClient = useQueryClient();
  const promotesTo = new Map((environments.data?.items ?? []).map((environment) => [environment.name, environment.promotesTo]));
  const serving = new Set((workloads.data?.items ?? []).map((workload) => workload.deployment.id));
  const refresh = <T,>(result: T) => {
    void queryClient.invalidateQueries({ queryKey: ['delivery'] });
    return result;
  };

  return (
    <div className="deployments-tab">
      <section aria-labelledby="where-it-runs">
        <h2 id="where-it-runs">Environments</h2>
        {workloads.isPending ? (
          <LoadingState label="Loading environments" />
        ) : workloads.error ? (
          <ErrorState error={workloads.error} retry={() => void workloads.refetch()} />
        ) : workloads.data.items.length === 0 ? (
          <EmptyState title="Not deployed anywhere yet">A pipeline's deploy step, or paved deploy, puts it in an environment.</EmptyState>
        ) : (
          <div className="table-scroll">
            <table>
              <caption>Where it runs</caption>
              <thead>
                <tr>
                  <th scope="col">Environment</th>
                  <th scope="col">Workload</th>
                  <th scope="col">Deployment</th>
                  <th scope="col">Health</th>
                  <th scope="col">URL</th>
                  <th scope="col">Promote</th>
                </tr>
              </thead>
              <tbody>
                {workloads.data.items.map((workload) => {
                  const next = promotesTo.get(workload.environment);
                  const deployment = workload.deployment;
                  return (
                    <tr key={`${workload.environment}/${workload.workload}`}>
                      <th scope="row">{workload.environment}</th>
                      <td>{workload.workload}</td>
                      <td>
                        #{deployment.number} <StatusBadge status={deployment.status} /> <code>{deployment.commit.slice(0, 7)}</code>
                      </td>
                      <td>{workload.instance ? <StatusBadge status={workload.instance.health} /> : <span className="muted">not running</span>}</td>
                      <td>
                        {workload.instance?.url ? (
                          <a href={workload.instance.url} target="_blank" rel="noreferrer">
                            {workload.instance.url}
                          </a>
                        ) : (
                          <span className="muted">none</span>
                        )}
                      </td>
                      <td>
                        {next && deployment.status === 'succeeded' ? (
                          <DeliveryAction
                            label={`Promote to ${next}`}
                            question={`Deploy ${workload.workload} #${deployment.number} (${deployment.commit.slice(0, 7)}) to ${next}?`}
                            run={() => promoteDeployment(deployment.id).then(refresh)}
                          />
                        ) : (
                          <span className="muted">{next ? 'after it succeeds' : 'last environment'}</span>
                        )}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
      </section>

      <section aria-labelledby="deployment-history">
        <h2 id="deployment-history">History</h2>
        {deployments.isPending ? (
          <LoadingState label="Loading deployments" />
        ) : deployments.error ? (
          <ErrorState error={deployments.error} retry={() => void deployments.refetch()} />
        ) : deployments.data.items.length === 0 ? (
          <EmptyState title="No deployments yet" />
        ) : (
          <div className="table-scroll">
            <table>
              <caption>Deployments</caption>
              <thead>
                <tr>
                  <th scope="col">Deployment</th>
                  <th scope="col">Environment</th>
                  <th scope="col">Status</th>
                  <th scope="col">Commit</th>
                  <th scope="col">Why</th>
                  <th scope="col">When</th>
                  <th scope="col">Roll back</th>
                </tr>
              </thead>
              <tbody>
                {deployments.data.items.map((deployment) => (
                  <tr key={deployment.id}>
                    <th scope="row">
                      {deployment.workload} #{deployment.number}
                      {serving.has(deployment.id) && <span className="badge ok"> serving</span>}
                    </th>
                    <td>{deployment.environment}</td>
                    <td>
                      <StatusBadge status={deployment.status} />
                      {deployment.error && <div className="error-text small">{deployment.error}</div>}
                    </td>
                    <td>
                      <code>{deployment.commit.slice(0, 7)}</code>
                    </td>
                    <td>
                      {deployment.reason} <span className="muted small">by {deployment.createdBy.replace(/^user:(default\/)?/, '')}</span>
                    </td>
                    <td>{when(deployment.createdAt)}</td>
                    <td>{rollbackTarget(deployment, serving) ? <RollbackAction deployment={deployment} refresh={refresh} /> : null}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </div>
  );
}

/** Only a succeeded deployment that is not what runs now can be gone back to. */
function rollbackTarget(deployment: Deployment, serving: Set<string>): boolean {
  return deployment.status === 'succeeded' && !serving.has(deployment.id);
}

function RollbackAction({ deployment, refresh }: { deployment: Deployment; refresh: <T>(result: T) => T }) {
  return (
    <DeliveryAction
      label={`Roll back to #${deployment.number}`}
      question={`Deploy ${deployment.workload} #${deployment.number} (${deployment.commit.slice(0, 7)}) again in ${deployment.environment}?`}
      run={() => rollbackDeployment({ environment: deployment.environment, workload: deployment.workload, to: deployment.id }).then(refresh)}
    />
  );
}
