import { useState } from 'react';
import { ConfirmButton } from '../../../components/confirm-button.js';
import { EntityLink } from '../../../components/entity-name.js';
import { formatDuration } from '../../../components/format-duration.js';
import { StatusBadge } from '../../../components/status-badge.js';
import type { WorkloadState } from '../../../api/delivery.js';
import { usePromoteDeployment } from '../api/promote-deployment.js';
import { useRollbackWorkload } from '../api/rollback-workload.js';
import { WorkloadOutput } from './workload-output.js';

/** One workload here: what runs, how healthy, how to reach it; promote, roll back, its output. */
export function WorkloadCard({ state, promotesTo }: { state: WorkloadState; promotesTo: string | null }) {
  const { deployment, instance } = state;
  const [showOutput, setShowOutput] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const promote = usePromoteDeployment();
  const rollback = useRollbackWorkload();
  const headingId = `workload-${state.workload}`;
  const outputId = `workload-output-${state.workload}`;

  return (
    <article className="card workload-card" aria-labelledby={headingId}>
      <h3 id={headingId}>{state.workload}</h3>
      <p>
        <StatusBadge status={instance?.health ?? 'stopped'} /> <span className="muted">health</span>
        {instance?.url && (
          <>
            {' · '}
            <a href={instance.url} target="_blank" rel="noreferrer">
              {instance.url}
            </a>
          </>
        )}
      </p>
      <dl className="fact-list">
        <div>
          <dt>Deployment</dt>
          <dd>
            #{deployment.number} <StatusBadge status={deployment.status} /> {deployment.rolledBack && <span className="badge bad">rolled back</span>}
          </dd>
        </div>
        <div>
          <dt>Revision</dt>
          <dd>
            <code>{deployment.commit.slice(0, 7)}</code> of {deployment.repository}
          </dd>
        </div>
        {deployment.componentRef && (
          <div>
            <dt>Component</dt>
            <dd>
              <EntityLink entityRef={deployment.componentRef} />
            </dd>
          </div>
        )}
        <div>
          <dt>Time to provision</dt>
          <dd>{formatDuration(state.timeToProvisionMs)}</dd>
        </div>
        <div>
          <dt>Deployed</dt>
          <dd>
            {new Date(deployment.createdAt).toLocaleString()} by {deployment.createdBy.replace(/^user:(default\/)?/, '')} ({deployment.reason})
          </dd>
        </div>
      </dl>
      {deployment.error && <p className="error-text">{deployment.error}</p>}
      {(instance?.containers.length ?? 0) > 1 && (
        <ul className="containers" aria-label="Containers">
          {instance!.containers.map((container) => (
            <li key={container.name}>
              {container.name} <StatusBadge status={container.health} /> {container.restarts > 0 && <span className="muted">{container.restarts} restarts</span>}
            </li>
          ))}
        </ul>
      )}
      <div className="actions">
        {promotesTo && (
          <ConfirmButton
            label={`Promote to ${promotesTo}`}
            className="primary"
            disabled={deployment.status !== 'succeeded'}
            title={`Promote ${state.workload} to ${promotesTo}?`}
            description={`Deploys revision ${deployment.commit.slice(0, 7)} (deployment #${deployment.number}) to ${promotesTo}.`}
            confirmLabel="Promote"
            onConfirm={async () => {
              const started = await promote.mutateAsync(deployment.id);
              setNotice(`Deployment #${started.number} to ${started.environment} started (${started.status.replaceAll('_', ' ')}).`);
            }}
          />
        )}
        <ConfirmButton
          label="Roll back"
          title={`Roll back ${state.workload} in ${state.environment}?`}
          description={`Deploys the revision ${state.workload} ran before deployment #${deployment.number} again.`}
          confirmLabel="Roll back"
          onConfirm={async () => {
            const started = await rollback.mutateAsync({ environment: state.environment, workload: state.workload });
            setNotice(`Rolling back: deployment #${started.number} of ${started.commit.slice(0, 7)} started.`);
          }}
        />
        <button type="button" aria-expanded={showOutput} aria-controls={outputId} onClick={() => setShowOutput((shown) => !shown)}>
          {showOutput ? 'Hide output' : 'Show output'}
        </button>
      </div>
      <p role="status" className="notice">
        {notice}
      </p>
      <div id={outputId} hidden={!showOutput}>
        {showOutput && <WorkloadOutput environment={state.environment} workload={state.workload} />}
      </div>
    </article>
  );
}
