import { lazy, Suspense } from 'react';
import { Link, useParams, useSearchParams } from 'react-router';
import { ApiError } from '../../../api/client.js';
import { stringifyEntityName } from '../../../components/entity-name.js';
import { ErrorState, LoadingState } from '../../../components/states.js';
import { type TabItem, Tabs } from '../../../components/tabs.js';
import { type Entity, useEntity } from '../api/get-entity.js';
import { DeploymentsTab } from './deployments-tab.js';
import { EntityOverview } from './entity-overview.js';
import { PipelinesTab } from './pipelines-tab.js';
import { ProblemsTab } from './problems-tab.js';
import { RepositoryTab } from './repository-tab.js';

// The API reference parses YAML; only API pages pay for it.
const ApiTab = lazy(() => import('./api-tab.js').then((module) => ({ default: module.ApiTab })));

/** `paved.dev/git-repository: ns/name`, the repository an entity's code lives in. */
export function repositoryOf(entity: Entity): { namespace: string; name: string } | undefined {
  const value = entity.metadata.annotations?.['paved.dev/git-repository'];
  const [namespace, name, ...rest] = (value ?? '').split('/');
  return namespace && name && rest.length === 0 ? { namespace, name } : undefined;
}

/** The tabs an entity has: those that would be empty for every entity of its kind are left out. */
function tabsOf(entity: Entity): TabItem[] {
  const kind = entity.kind.toLowerCase();
  const repository = repositoryOf(entity);
  return [
    { id: 'overview', label: 'Overview' },
    ...(kind === 'api' ? [{ id: 'api', label: 'API' }] : []),
    ...(repository ? [{ id: 'repository', label: 'Repository' }, { id: 'pipelines', label: 'Pipelines' }] : []),
    ...(kind === 'component' ? [{ id: 'deployments', label: 'Deployments' }] : []),
    { id: 'problems', label: 'Problems' },
  ];
}

/** One entity: what it is, what it is related to, and a tab for each thing one does with it. */
export function EntityPage() {
  const params = useParams();
  const name = { namespace: params.namespace ?? 'default', kind: params.kind ?? 'component', name: params.name ?? '' };
  const entity = useEntity(name);
  const [search, setSearch] = useSearchParams();
  const tab = search.get('tab') ?? 'overview';

  if (entity.isPending) return <LoadingState label="Loading the entity" />;
  if (entity.error) {
    if (entity.error instanceof ApiError && entity.error.status === 404) {
      return (
        <section className="page">
          <h1>{name.name}</h1>
          <p>
            There is no {name.kind} called {name.name} in {name.namespace}. <Link to="/catalog">Search the catalog</Link>.
          </p>
        </section>
      );
    }
    return <ErrorState error={entity.error} retry={() => void entity.refetch()} />;
  }

  const data = entity.data;
  const ref = stringifyEntityName({ kind: data.kind, namespace: data.metadata.namespace ?? 'default', name: data.metadata.name });
  const repository = repositoryOf(data);
  const tabs = tabsOf(data);
  const current = tabs.some((item) => item.id === tab) ? tab : 'overview';

  return (
    <section className="page entity-page">
      <title>{`${data.metadata.title ?? data.metadata.name} (${data.kind}) · Paved`}</title>
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link to="/catalog">Catalog</Link> <span aria-hidden="true">/</span> <Link to={`/catalog?kind=${encodeURIComponent(data.kind.toLowerCase())}`}>{data.kind}</Link>
      </nav>
      <header className="page-header">
        <h1>{data.metadata.title ?? data.metadata.name}</h1>
        <p className="muted">
          <code>{ref}</code>
          {typeof data.spec?.type === 'string' && <> · {data.spec.type}</>}
          {typeof data.spec?.lifecycle === 'string' && <> · {data.spec.lifecycle}</>}
        </p>
        {data.metadata.description && <p className="entity-description">{data.metadata.description}</p>}
      </header>
      <Tabs
        label={`About ${data.metadata.name}`}
        tabs={tabs}
        selected={current}
        onSelect={(id) =>
          setSearch(
            (previous) => {
              const next = new URLSearchParams(previous);
              if (id === 'overview') next.delete('tab');
              else next.set('tab', id);
              next.delete('run');
              return next;
            },
            { replace: true },
          )
        }
      >
        {current === 'overview' && <EntityOverview entity={data} />}
        {current === 'api' && (
          <Suspense fallback={<LoadingState label="Loading the definition" />}>
            <ApiTab entity={data} />
          </Suspense>
        )}
        {current === 'repository' && repository && <RepositoryTab repository={repository} />}
        {current === 'pipelines' && repository && <PipelinesTab repository={repository} />}
        {current === 'deployments' && <DeploymentsTab componentRef={ref} />}
        {current === 'problems' && <ProblemsTab entity={name} entityRef={ref} />}
      </Tabs>
    </section>
  );
}
