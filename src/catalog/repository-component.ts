import { parseEntityRef, stringifyEntityRef } from '@backstage/catalog-model';
import type { Kysely } from 'kysely';
import type { Database } from '../db/database.js';
import { groupsOfUser } from './store/read-entities.js';

/** The annotation a component names the repository that holds its code with (`namespace/name`). */
const GIT_REPOSITORY_ANNOTATION = 'paved.dev/git-repository';

/** The owner of a repository in Paved's own records (the git module's row), not in any descriptor. */
export interface RepositoryRecord {
  /** `namespace/name`. */
  path: string;
  ownerRef: string;
}

/**
 * The component whose code a repository holds. Anyone can write the annotation, so it counts only
 * for a component the repository's owner owns: the repository's owning group is one of the
 * component's owners, or the owning user is, directly or through a group. Several such components
 * (a repository holding two services) resolve to the first by ref, so the answer never depends on
 * who registered first.
 */
export async function componentOfRepository(
  db: Kysely<Database>,
  repository: RepositoryRecord,
  ownersOf: (ref: string) => Promise<string[]>,
): Promise<string | undefined> {
  const candidates = await db
    .selectFrom('catalog_search')
    .innerJoin('catalog_entities', 'catalog_entities.entity_id', 'catalog_search.entity_id')
    .select('catalog_entities.entity_ref')
    .where('catalog_search.key', '=', `metadata.annotations.${GIT_REPOSITORY_ANNOTATION}`)
    .where('catalog_search.value', '=', repository.path.toLowerCase())
    .where('catalog_entities.kind', '=', 'component')
    .orderBy('catalog_entities.entity_ref')
    .execute();
  if (candidates.length === 0) return undefined;
  // Repositories may record a bare team name ("checkout-team"), as a descriptor's spec.owner may.
  const owner = normalizedOwnerRef(repository.ownerRef);
  const ownerRefs = new Set([owner, ...(owner.startsWith('user:') ? await groupsOfUser(db, owner) : [])]);
  for (const { entity_ref: ref } of candidates) {
    if ((await ownersOf(ref)).some((componentOwner) => ownerRefs.has(componentOwner))) return ref;
  }
  return undefined;
}

function normalizedOwnerRef(ref: string): string {
  try {
    return stringifyEntityRef(parseEntityRef(ref.toLowerCase(), { defaultKind: 'group', defaultNamespace: 'default' }));
  } catch {
    return ref.toLowerCase();
  }
}
