import fs from 'node:fs';
import path from 'node:path';
import { isAllowed } from '../../access/authorize.js';
import type { Principal } from '../../access/principal.js';
import type { LocationSpec } from '../ingestion/types.js';
import type { ProcessedEntity } from '../store/write-entities.js';

/**
 * Whose rights a location's content is admitted under: the principal that registered it, as of
 * this read, and whether the location is trusted to describe people (users and groups).
 */
export interface Registrant {
  principal: Principal;
  /** Registered by Paved itself or an administrator, or inside a configured trusted root. */
  trusted: boolean;
}

export interface AdmissionProblem {
  code: 'catalog.entity_not_owned' | 'catalog.directory_untrusted';
  message: string;
}

/** Kinds that say who belongs to whom: memberships decide every right in Paved, administrators included. */
const DIRECTORY_KINDS = new Set(['user', 'group']);

/**
 * Why a location may not provide this entity, or undefined when it may. The rules are those of
 * pushing descriptors (`EntityService.apply`): an entity must be owned by the registrant or one of
 * its groups. Users and groups come only from trusted locations, since whoever writes them
 * decides group memberships, and with them every right (administrators are members of a group).
 * Nested `Location` entities are admitted: what they lead to is read under the same registrant.
 */
export function admissionProblem(entity: ProcessedEntity, registrant: Registrant): AdmissionProblem | undefined {
  if (registrant.trusted) return undefined;
  const kind = entity.entity.kind.toLowerCase();
  const who = registrant.principal.userRef;
  if (DIRECTORY_KINDS.has(kind)) {
    return {
      code: 'catalog.directory_untrusted',
      message: `${entity.ref} was refused: ${entity.entity.kind} entities (who belongs to which group) are accepted only from locations an administrator registered or from the configured trusted roots (PAVED_CATALOG_TRUSTED_LOCATIONS), and ${who} is not an administrator. Ask an administrator to register this file.`,
    };
  }
  if (kind === 'location') return undefined;
  const owners = entity.relations.filter((relation) => relation.sourceRef === entity.ref && relation.type === 'ownedBy').map((relation) => relation.targetRef);
  if (isAllowed(registrant.principal, 'catalog.entity.create', { ref: entity.ref, ownerRefs: owners })) return undefined;
  return {
    code: 'catalog.entity_not_owned',
    message: `${entity.ref} was refused: it is owned by ${owners.join(', ') || 'nobody'}, and ${who}, who registered this location, is neither that owner nor a member of it. Set spec.owner to your own team, or ask its owners to register the file.`,
  };
}

/**
 * Whether a location's target lies inside one of the trusted roots: a directory or file (for
 * file locations) or a URL prefix ending at a path segment (for URL locations).
 */
export function insideTrustedRoot(spec: LocationSpec, roots: readonly string[]): boolean {
  return roots.some((root) => {
    if (/^https?:\/\//i.test(root)) {
      if (spec.type !== 'url' || !URL.canParse(root)) return false;
      const prefix = new URL(root).toString();
      return spec.target === prefix || spec.target.startsWith(prefix.endsWith('/') ? prefix : `${prefix}/`);
    }
    if (spec.type !== 'file') return false;
    const relative = path.relative(realPath(root), realPath(spec.target));
    return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
  });
}

/** Symlinks resolved, so a link inside a trusted root cannot stand for a file outside it. */
function realPath(file: string): string {
  try {
    return fs.realpathSync(file);
  } catch {
    return path.resolve(file);
  }
}
