import { Link } from 'react-router';

/** An entity reference taken apart: `kind:namespace/name`. */
export interface EntityName {
  kind: string;
  namespace: string;
  name: string;
}

/** Parses `[kind:][namespace/]name`; owners and systems leave the kind out, so the caller says which it means. */
export function parseEntityName(ref: string, defaults: { kind?: string; namespace?: string } = {}): EntityName {
  const colon = ref.indexOf(':');
  const kind = colon === -1 ? (defaults.kind ?? 'component') : ref.slice(0, colon);
  const rest = colon === -1 ? ref : ref.slice(colon + 1);
  const slash = rest.indexOf('/');
  const namespace = slash === -1 ? (defaults.namespace ?? 'default') : rest.slice(0, slash);
  const name = slash === -1 ? rest : rest.slice(slash + 1);
  return { kind: kind.toLowerCase(), namespace, name };
}

/** The canonical `kind:namespace/name`, lower-cased as the server stores it. */
export function stringifyEntityName(entity: EntityName): string {
  return `${entity.kind}:${entity.namespace}/${entity.name}`.toLowerCase();
}

/** The portal's page of an entity: `/catalog/<namespace>/<kind>/<name>`. */
export function entityPath(entity: EntityName): string {
  return `/catalog/${encodeURIComponent(entity.namespace)}/${encodeURIComponent(entity.kind.toLowerCase())}/${encodeURIComponent(entity.name)}`;
}

/** A name as people read it: the namespace only when it is not `default`. */
export function humanizeEntityName(entity: EntityName): string {
  return entity.namespace === 'default' ? entity.name : `${entity.namespace}/${entity.name}`;
}

/** A link to an entity's page from a reference such as `group:default/checkout-team` or a plain `checkout-team`. */
export function EntityLink({ entityRef, defaultKind }: { entityRef: string; defaultKind?: string }) {
  const entity = parseEntityName(entityRef, defaultKind ? { kind: defaultKind } : {});
  return <Link to={entityPath(entity)}>{humanizeEntityName(entity)}</Link>;
}
