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
