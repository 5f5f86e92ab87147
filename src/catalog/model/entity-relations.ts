import {
  type Entity,
  RELATION_API_CONSUMED_BY,
  RELATION_API_PROVIDED_BY,
  RELATION_CHILD_OF,
  RELATION_CONSUMES_API,
  RELATION_DEPENDENCY_OF,
  RELATION_DEPENDS_ON,
  RELATION_HAS_MEMBER,
  RELATION_HAS_PART,
  RELATION_MEMBER_OF,
  RELATION_OWNED_BY,
  RELATION_OWNER_OF,
  RELATION_PARENT_OF,
  RELATION_PART_OF,
  RELATION_PROVIDES_API,
  parseEntityRef,
  stringifyEntityRef,
} from '@backstage/catalog-model';

/**
 * A directed relation between two entity refs (lower-cased, as Backstage stringifies them),
 * always in the canonical direction of its pair: `ownedBy`, never `ownerOf`.
 */
export interface Relation {
  sourceRef: string;
  type: string;
  targetRef: string;
}

/** A spec field that names other entities, and the pair of relations it creates. */
interface RelationRule {
  field: string;
  /** The kind assumed when a ref omits it; undefined means the ref must name its kind. */
  defaultKind?: string;
  forward: string;
  reverse: string;
}

const owner: RelationRule = { field: 'owner', defaultKind: 'Group', forward: RELATION_OWNED_BY, reverse: RELATION_OWNER_OF };
const system: RelationRule = { field: 'system', defaultKind: 'System', forward: RELATION_PART_OF, reverse: RELATION_HAS_PART };
const dependsOn: RelationRule = { field: 'dependsOn', forward: RELATION_DEPENDS_ON, reverse: RELATION_DEPENDENCY_OF };
const dependencyOf: RelationRule = { field: 'dependencyOf', forward: RELATION_DEPENDENCY_OF, reverse: RELATION_DEPENDS_ON };

/** Backstage's built-in relations per kind (its BuiltinKindsEntityProcessor), as data. */
const rulesByKind: Record<string, RelationRule[]> = {
  component: [
    owner,
    system,
    { field: 'subcomponentOf', defaultKind: 'Component', forward: RELATION_PART_OF, reverse: RELATION_HAS_PART },
    { field: 'providesApis', defaultKind: 'API', forward: RELATION_PROVIDES_API, reverse: RELATION_API_PROVIDED_BY },
    { field: 'consumesApis', defaultKind: 'API', forward: RELATION_CONSUMES_API, reverse: RELATION_API_CONSUMED_BY },
    dependsOn,
    dependencyOf,
  ],
  api: [owner, system],
  resource: [owner, system, dependsOn, dependencyOf],
  system: [owner, { field: 'domain', defaultKind: 'Domain', forward: RELATION_PART_OF, reverse: RELATION_HAS_PART }],
  domain: [owner, { field: 'subdomainOf', defaultKind: 'Domain', forward: RELATION_PART_OF, reverse: RELATION_HAS_PART }],
  user: [{ field: 'memberOf', defaultKind: 'Group', forward: RELATION_MEMBER_OF, reverse: RELATION_HAS_MEMBER }],
  group: [
    { field: 'parent', defaultKind: 'Group', forward: RELATION_CHILD_OF, reverse: RELATION_PARENT_OF },
    { field: 'children', defaultKind: 'Group', forward: RELATION_PARENT_OF, reverse: RELATION_CHILD_OF },
    { field: 'members', defaultKind: 'User', forward: RELATION_HAS_MEMBER, reverse: RELATION_MEMBER_OF },
  ],
  template: [owner],
  airesource: [owner, system],
};

export class RelationRefError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Every relation an entity's spec states, each once, in its pair's canonical direction (a group's
 * `children` become `childOf` relations of the children). Either end reads it through
 * `relationView`. Throws `RelationRefError`, naming
 * the spec field, when a ref cannot be parsed (for example `dependsOn` without a kind).
 */
export function relationsOf(entity: Entity): Relation[] {
  const sourceRef = stringifyEntityRef(entity);
  const namespace = entity.metadata.namespace ?? 'default';
  const spec = (entity.spec ?? {}) as Record<string, unknown>;
  const relations: Relation[] = [];
  for (const rule of rulesByKind[entity.kind.toLowerCase()] ?? []) {
    const value = spec[rule.field];
    if (value === undefined || value === null) continue;
    const refs = Array.isArray(value) ? value : [value];
    refs.forEach((ref, index) => {
      const path = Array.isArray(value) ? `spec.${rule.field}.${index}` : `spec.${rule.field}`;
      if (typeof ref !== 'string' || ref.trim() === '') throw new RelationRefError(path, `${path} must be an entity ref string`);
      let targetRef: string;
      try {
        targetRef = stringifyEntityRef(parseEntityRef(ref, { defaultKind: rule.defaultKind, defaultNamespace: namespace }));
      } catch (error) {
        throw new RelationRefError(path, `${path}: ${(error as Error).message}; write it as [kind:][namespace/]name, e.g. resource:default/orders-db`);
      }
      relations.push(VIEWS.get(rule.forward)!.direction === 'forward' ? { sourceRef, type: rule.forward, targetRef } : { sourceRef: targetRef, type: rule.reverse, targetRef: sourceRef });
    });
  }
  const unique = new Map(relations.map((relation) => [`${relation.sourceRef} ${relation.type} ${relation.targetRef}`, relation]));
  return [...unique.values()];
}

/** Each pair of relation types, canonical direction first: the one stored. */
const PAIRS: readonly [string, string][] = [
  [RELATION_OWNED_BY, RELATION_OWNER_OF],
  [RELATION_PART_OF, RELATION_HAS_PART],
  [RELATION_PROVIDES_API, RELATION_API_PROVIDED_BY],
  [RELATION_CONSUMES_API, RELATION_API_CONSUMED_BY],
  [RELATION_DEPENDS_ON, RELATION_DEPENDENCY_OF],
  [RELATION_MEMBER_OF, RELATION_HAS_MEMBER],
  [RELATION_CHILD_OF, RELATION_PARENT_OF],
];

/** How a relation type is read from stored relations: the stored type, and which end is "self". */
export interface RelationView {
  /** The canonical type as stored. */
  stored: string;
  /** `forward`: self is the stored source; `reverse`: self is the stored target. */
  direction: 'forward' | 'reverse';
  /** The other type of the pair, as seen from the other end. */
  opposite: string;
}

const VIEWS: ReadonlyMap<string, RelationView> = new Map<string, RelationView>(
  PAIRS.flatMap(([canonical, reverse]): [string, RelationView][] => [
    [canonical, { stored: canonical, direction: 'forward', opposite: reverse }],
    [reverse, { stored: canonical, direction: 'reverse', opposite: canonical }],
  ]),
);

const VIEWS_BY_LOWER_NAME: ReadonlyMap<string, RelationView & { type: string }> = new Map(
  [...VIEWS].map(([type, view]) => [type.toLowerCase(), { ...view, type }]),
);

/** The stored form of a relation type named in a filter or facet (case-insensitive); undefined if unknown. */
export function relationView(type: string): (RelationView & { type: string }) | undefined {
  return VIEWS_BY_LOWER_NAME.get(type.toLowerCase());
}
