import type { Selectable } from 'kysely';

export interface AccessTokensTable {
  id: string;
  /** What the token is for, chosen by its user ("laptop", "ci"). */
  name: string;
  /** SHA-256 of the token; the token itself is shown once and never stored. */
  token_hash: string;
  /** The first characters of the token, so a user can tell their tokens apart. */
  token_prefix: string;
  user_ref: string;
  created_by: string;
  created_at: string;
  expires_at: string | null;
  last_used_at: string | null;
  revoked_at: string | null;
}

export interface AccessTables {
  access_tokens: AccessTokensTable;
}

export type AccessTokenRow = Selectable<AccessTokensTable>;
