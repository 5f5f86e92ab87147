import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { api } from '../../api/client.js';
import { EmptyState, ErrorState, LoadingState } from '../../components/states.js';
import { StatusBadge } from '../../components/status-badge.js';
import { useMe } from '../../api/use-me.js';

interface EntitySummary {
  kind: string;
  metadata: { name: string; namespace?: string; description?: string; annotations?: Record<string, string> };
  spec?: { type?: string; lifecycle?: string };
}

interface TemplateRun {
  id: string;
  status: string;
  createdAt: string;
  spec: { templateInfo: { entityRef: string } };
}

interface PipelineRunSummary {
  id: string;
  repository: string;
  number: number;
  branch: string;
  status: string;
  createdAt: string;
  createdBy: string;
}

interface DeploymentSummary {
  id: string;
  number: number;
  workload: string;
  environment: string;
  status: string;
  commit: string;
  createdAt: string;
  createdBy: string;
  componentRef: string | null;
}

const entityPath = (entity: EntitySummary) => `/catalog/${entity.metadata.namespace ?? 'default'}/${entity.kind.toLowerCase()}/${entity.metadata.name}`;
const refName = (ref: string) => ref.replace(/^[a-z]+:(default\/)?/, '');

/** What a developer wants first: their components and teams, and what they ran lately. */
export function HomePage() {
  const me = useMe();
  const owners = me.data?.ownershipRefs ?? [];
  const teams = owners.filter((ref) => ref.startsWith('group:'));
  const components = useQuery({
    queryKey: ['home', 'components', owners],
    enabled: owners.length > 0,
    queryFn: () => {
      const filters = owners.map((owner) => `filter=${encodeURIComponent(`kind=component,relations.ownedBy=${owner}`)}`).join('&');
      return api<{ items: EntitySummary[] }>(`/api/catalog/entities/by-query?${filters}&limit=20&orderField=metadata.name,asc&fields=kind,metadata.name,metadata.namespace,metadata.description,metadata.annotations,spec.type,spec.lifecycle`);
    },
  });
  const runs = useQuery({ queryKey: ['home', 'template-runs'], queryFn: () => api<{ tasks: TemplateRun[] }>('/api/scaffolder/v2/tasks?limit=5') });
  // The pipelines of my components' repositories (their paved.dev/git-repository annotation), and the runs I started.
  const repositories = new Set((components.data?.items ?? []).flatMap((entity) => entity.metadata.annotations?.['paved.dev/git-repository'] ?? []));
  const pipelineRuns = useQuery({
    queryKey: ['home', 'pipeline-runs'],
    queryFn: () => api<{ items: PipelineRunSummary[] }>('/api/pipelines/runs?limit=100'),
    // Live while something runs.
    refetchInterval: (query) => (query.state.data?.items.some((run) => run.status === 'queued' || run.status === 'running') ? 3_000 : false),
  });
  const myPipelineRuns = (pipelineRuns.data?.items ?? []).filter((run) => repositories.has(run.repository) || run.createdBy === me.data?.userRef).slice(0, 6);
  const deployments = useQuery({ queryKey: ['home', 'deployments'], queryFn: () => api<{ items: DeploymentSummary[] }>('/api/delivery/deployments?limit=50') });
  const mine = (deployments.data?.items ?? []).filter((deployment) => deployment.createdBy === me.data?.userRef || owners.some((owner) => deployment.componentRef !== null && owner === deployment.componentRef)).slice(0, 8);

  return (
    <section className="page home">
      <h1>Welcome, {refName(me.data?.userRef ?? '')}</h1>
      <div className="grid">
        <article className="card" aria-labelledby="my-components">
          <h2 id="my-components">My components</h2>
          {components.isPending && owners.length > 0 ? (
            <LoadingState label="Loading your components" />
          ) : components.error ? (
            <ErrorState error={components.error} retry={() => void components.refetch()} />
          ) : (components.data?.items ?? []).length === 0 ? (
            <EmptyState title="You own no components yet">
              <Link to="/create">Create one from a golden path</Link>.
            </EmptyState>
          ) : (
            <ul className="list">
              {components.data!.items.map((entity) => (
                <li key={entityPath(entity)}>
                  <Link to={entityPath(entity)}>{entity.metadata.name}</Link>
                  <span className="muted"> {[entity.spec?.type, entity.spec?.lifecycle].filter(Boolean).join(' · ')}</span>
                </li>
              ))}
            </ul>
          )}
        </article>

        <article className="card" aria-labelledby="my-teams">
          <h2 id="my-teams">My teams</h2>
          {teams.length === 0 ? (
            <EmptyState title="You are in no team" />
          ) : (
            <ul className="list">
              {teams.map((team) => (
                <li key={team}>
                  <Link to={`/catalog/default/group/${refName(team)}`}>{refName(team)}</Link>
                </li>
              ))}
            </ul>
          )}
        </article>

        <article className="card" aria-labelledby="my-runs">
          <h2 id="my-runs">My template runs</h2>
          {runs.isPending ? (
            <LoadingState />
          ) : runs.error ? (
            <ErrorState error={runs.error} retry={() => void runs.refetch()} />
          ) : runs.data!.tasks.length === 0 ? (
            <EmptyState title="No template runs yet" />
          ) : (
            <ul className="list">
              {runs.data!.tasks.map((run) => (
                <li key={run.id}>
                  <Link to={`/create/runs/${run.id}`}>{refName(run.spec.templateInfo.entityRef)}</Link> <StatusBadge status={run.status} />
                  <span className="muted"> {new Date(run.createdAt).toLocaleString()}</span>
                </li>
              ))}
            </ul>
          )}
        </article>

        <article className="card" aria-labelledby="my-pipeline-runs">
          <h2 id="my-pipeline-runs">My pipeline runs</h2>
          {pipelineRuns.isPending ? (
            <LoadingState />
          ) : pipelineRuns.error ? (
            <ErrorState error={pipelineRuns.error} retry={() => void pipelineRuns.refetch()} />
          ) : myPipelineRuns.length === 0 ? (
            <EmptyState title="No pipeline runs of your components yet" />
          ) : (
            <ul className="list">
              {myPipelineRuns.map((run) => (
                <li key={run.id}>
                  <Link to={`/runs/pipelines/${run.id}`}>
                    {run.repository} #{run.number}
                  </Link>{' '}
                  <StatusBadge status={run.status} /> <span className="muted">{run.branch}</span>
                </li>
              ))}
            </ul>
          )}
        </article>

        <article className="card" aria-labelledby="my-deployments">
          <h2 id="my-deployments">My deployments</h2>
          {deployments.isPending ? (
            <LoadingState />
          ) : deployments.error ? (
            <ErrorState error={deployments.error} retry={() => void deployments.refetch()} />
          ) : mine.length === 0 ? (
            <EmptyState title="No deployments of yours yet" />
          ) : (
            <ul className="list">
              {mine.map((deployment) => (
                <li key={deployment.id}>
                  <Link to={`/environments/${deployment.environment}`}>
                    {deployment.workload} #{deployment.number} → {deployment.environment}
                  </Link>{' '}
                  <StatusBadge status={deployment.status} /> <code>{deployment.commit.slice(0, 7)}</code>
                </li>
              ))}
            </ul>
          )}
        </article>
      </div>
    </section>
  );
}
