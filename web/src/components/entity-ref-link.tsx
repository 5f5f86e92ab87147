import { Link } from 'react-router';
import type { ReactNode } from 'react';

/** `group:default/team-a` → its kind, namespace and name (kind defaulting to `fallbackKind`). */
export function parseEntityRef(ref: string, fallbackKind = 'component') {
  const match = /^(?:([^:/]+):)?(?:([^/]+)\/)?(.+)$/.exec(ref);
  return { kind: (match?.[1] ?? fallbackKind).toLowerCase(), namespace: match?.[2] ?? 'default', name: match?.[3] ?? ref };
}

/** The catalog page of an entity ref. */
export function entityRefPath(ref: string): string {
  const { kind, namespace, name } = parseEntityRef(ref);
  return `/catalog/${namespace}/${kind}/${name}`;
}

/** A link to an entity's page, showing its short name unless told otherwise. */
export function EntityRefLink({ entityRef, children }: { entityRef: string; children?: ReactNode }) {
  const { namespace, name } = parseEntityRef(entityRef);
  return <Link to={entityRefPath(entityRef)}>{children ?? (namespace === 'default' ? name : `${namespace}/${name}`)}</Link>;
}
