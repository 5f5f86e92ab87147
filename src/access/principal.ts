/** Who is making a request, as established from their token. */
export interface Principal {
  /** The user's entity ref, e.g. `user:default/jane`. */
  userRef: string;
  isAdmin: boolean;
  /** The refs this principal owns through: its own user ref and its groups. */
  ownershipRefs: readonly string[];
  /** The token used, when it was an API token (not the bootstrap admin token). */
  tokenId?: string;
}

/** The principal background work (refresh, seeding) acts as. */
export const systemPrincipal: Principal = {
  userRef: 'system',
  isAdmin: true,
  ownershipRefs: [],
};

export const BOOTSTRAP_ADMIN_REF = 'user:default/admin';

/** Who the bootstrap administrator token (PAVED_ADMIN_TOKEN) stands for: no User entity, no groups. */
export const bootstrapAdminPrincipal: Principal = {
  userRef: BOOTSTRAP_ADMIN_REF,
  isAdmin: true,
  ownershipRefs: [BOOTSTRAP_ADMIN_REF],
};

/** A user's principal from their groups as of now: administrators are members of one of `adminGroups`. */
export function userPrincipal(userRef: string, groups: readonly string[], adminGroups: readonly string[], tokenId?: string): Principal {
  return {
    userRef,
    isAdmin: groups.some((group) => adminGroups.includes(group)),
    ownershipRefs: [userRef, ...groups],
    ...(tokenId ? { tokenId } : {}),
  };
}
