import { memo } from 'react';
import { Link } from 'react-router';
import { EntityLink, entityPath } from '../../../components/entity-name.js';
import type { CatalogEntity } from '../api/get-entities.js';

/** The page of entities as a table; on a phone it scrolls sideways inside its frame. */
export const EntitiesTable = memo(function EntitiesTable({
  entities,
  order,
  onToggleOrder,
  stale,
}: {
  entities: CatalogEntity[];
  order: 'asc' | 'desc';
  onToggleOrder: () => void;
  stale: boolean;
}) {
  return (
    <div className="table-scroll catalog-table" aria-busy={stale}>
      <table className={stale ? 'stale' : undefined}>
        <caption>Entities</caption>
        <thead>
          <tr>
            <th scope="col" aria-sort={order === 'asc' ? 'ascending' : 'descending'}>
              <button type="button" className="sort" onClick={onToggleOrder} aria-label={`Name, sorted ${order === 'asc' ? 'A to Z' : 'Z to A'}; sort ${order === 'asc' ? 'Z to A' : 'A to Z'}`}>
                Name <span aria-hidden="true">{order === 'asc' ? '▲' : '▼'}</span>
              </button>
            </th>
            <th scope="col">Kind</th>
            <th scope="col">Type</th>
            <th scope="col">Owner</th>
            <th scope="col">Lifecycle</th>
            <th scope="col">Description</th>
            <th scope="col">Tags</th>
          </tr>
        </thead>
        <tbody>
          {entities.map((entity) => {
            const namespace = entity.metadata.namespace ?? 'default';
            return (
              <tr key={`${entity.kind}:${namespace}/${entity.metadata.name}`}>
                <th scope="row">
                  <Link to={entityPath({ kind: entity.kind, namespace, name: entity.metadata.name })}>{entity.metadata.title ?? entity.metadata.name}</Link>
                  {namespace !== 'default' && <div className="muted small">{namespace}</div>}
                </th>
                <td>{entity.kind}</td>
                <td>{entity.spec?.type ?? ''}</td>
                <td>{entity.spec?.owner ? <EntityLink entityRef={entity.spec.owner} defaultKind="group" /> : ''}</td>
                <td>{entity.spec?.lifecycle ?? ''}</td>
                <td className="description">{entity.metadata.description ?? ''}</td>
                <td>
                  {(entity.metadata.tags ?? []).length > 0 && (
                    <ul className="tags" aria-label="Tags">
                      {entity.metadata.tags!.map((tag) => (
                        <li key={tag} className="tag">
                          {tag}
                        </li>
                      ))}
                    </ul>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
});
