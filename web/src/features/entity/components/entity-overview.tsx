import { Link } from 'react-router';
import { EntityLink, entityPath, humanizeEntityName } from '../../../components/entity-name.js';
import { EmptyState } from '../../../components/states.js';
import type { Entity } from '../api/get-entity.js';
import { neighboursOf, RelationsGraph, relationLabel } from './relations-graph.js';

/** What the entity is (owner, system, lifecycle, tags, links, annotations) and what it is related to. */
export function EntityOverview({ entity }: { entity: Entity }) {
  const spec = entity.spec ?? {};
  const text = (key: string) => (typeof spec[key] === 'string' ? (spec[key] as string) : undefined);
  const namespace = entity.metadata.namespace ?? 'default';
  const self = { kind: entity.kind.toLowerCase(), namespace, name: entity.metadata.name };
  const neighbours = neighboursOf(entity.relations ?? []);
  const annotations = Object.entries(entity.metadata.annotations ?? {});
  const links = entity.metadata.links ?? [];
  const tags = entity.metadata.tags ?? [];
  // Owner, system and lifecycle belong to the software kinds; people and teams have a profile instead.
  const ownedKind = ['component', 'api', 'resource', 'system', 'domain', 'template'].includes(self.kind);
  const profile = spec.profile as { displayName?: string; email?: string } | undefined;

  return (
    <div className="entity-overview">
      <div className="grid">
        <article className="card" aria-labelledby="entity-about">
          <h2 id="entity-about">About</h2>
          <dl className="facts">
            {(ownedKind || text('owner')) && (
              <>
                <dt>Owner</dt>
                <dd>{text('owner') ? <EntityLink entityRef={text('owner')!} defaultKind="group" /> : <span className="muted">none</span>}</dd>
              </>
            )}
            {(ownedKind || text('system')) && (
              <>
                <dt>System</dt>
                <dd>{text('system') ? <EntityLink entityRef={text('system')!} defaultKind="system" /> : <span className="muted">none</span>}</dd>
              </>
            )}
            {text('domain') && (
              <>
                <dt>Domain</dt>
                <dd>
                  <EntityLink entityRef={text('domain')!} defaultKind="domain" />
                </dd>
              </>
            )}
            {text('type') && (
              <>
                <dt>Type</dt>
                <dd>{text('type')}</dd>
              </>
            )}
            {(ownedKind || text('lifecycle')) && (
              <>
                <dt>Lifecycle</dt>
                <dd>{text('lifecycle') ?? <span className="muted">none</span>}</dd>
              </>
            )}
            {profile?.displayName && (
              <>
                <dt>Name</dt>
                <dd>{profile.displayName}</dd>
              </>
            )}
            {profile?.email && (
              <>
                <dt>Email</dt>
                <dd>
                  <a href={`mailto:${profile.email}`}>{profile.email}</a>
                </dd>
              </>
            )}
            <dt>Tags</dt>
            <dd>
              {tags.length === 0 ? (
                <span className="muted">none</span>
              ) : (
                <ul className="tags">
                  {tags.map((tag) => (
                    <li key={tag} className="tag">
                      <Link to={`/catalog?tag=${encodeURIComponent(tag)}`}>{tag}</Link>
                    </li>
                  ))}
                </ul>
              )}
            </dd>
            <dt>Description</dt>
            <dd>{entity.metadata.description ?? <span className="muted">none</span>}</dd>
          </dl>
        </article>

        <article className="card" aria-labelledby="entity-links">
          <h2 id="entity-links">Links</h2>
          {links.length === 0 ? (
            <EmptyState title="No links" />
          ) : (
            <ul className="list">
              {links.map((link) => (
                <li key={link.url}>
                  <a href={link.url} target="_blank" rel="noreferrer">
                    {link.title ?? link.url}
                  </a>
                </li>
              ))}
            </ul>
          )}
          <h2 id="entity-annotations" className="spaced">
            Annotations
          </h2>
          {annotations.length === 0 ? (
            <EmptyState title="No annotations" />
          ) : (
            <dl className="annotations" aria-labelledby="entity-annotations">
              {annotations.map(([key, value]) => (
                <div key={key}>
                  <dt>
                    <code>{key}</code>
                  </dt>
                  <dd>
                    <code>{value}</code>
                  </dd>
                </div>
              ))}
            </dl>
          )}
        </article>
      </div>

      <article className="card relations" aria-labelledby="entity-relations">
        <h2 id="entity-relations">Relations</h2>
        {neighbours.length === 0 ? (
          <EmptyState title="No relations" />
        ) : (
          <div className="relations-layout">
            <RelationsGraph entity={self} neighbours={neighbours} />
            <ul className="list relations-list" aria-label={`Entities related to ${entity.metadata.name}`}>
              {neighbours.map((neighbour) => (
                <li key={neighbour.ref}>
                  <span className="muted">{neighbour.types.map(relationLabel).join(', ')}</span> <Link to={entityPath(neighbour.entity)}>{humanizeEntityName(neighbour.entity)}</Link>{' '}
                  <span className="muted small">({neighbour.entity.kind})</span>
                </li>
              ))}
            </ul>
          </div>
        )}
      </article>
    </div>
  );
}
