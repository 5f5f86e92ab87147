import { parseEntityRef, stringifyEntityRef } from '@backstage/catalog-model';
import type { Kysely } from 'kysely';
import type { Database } from '../db/database.js';

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
 * for a component the repository's owner owns: the repository's owner (a group, or a user) is
 * one of the component's owners. A user's own repository is not claimed by their team's
 * components: a teammate could write one, and its owners would get rights on the user's
 * repository that only the user has. Several such components (a repository holding two services)
 * resolve to the first by ref, so the answer never depends on who registered first.
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
  // Repositories may record a bare team name ("checkout-team"), as a descriptor's spec.owner may.
  const owner = normalizedOwnerRef(repository.ownerRef);
  for (const { entity_ref: ref } of candidates) {
    if ((await ownersOf(ref)).includes(owner)) return ref;
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
