/** One version of a secret; the highest version of a (scope, name) is its value. */
export interface SecretVersionsTable {
  /** `group:default/team-a`, `component:default/cart` or `environment:production`. */
  scope: string;
  /** An environment-variable name: what a pipeline sees. */
  name: string;
  version: number;
  /** `v1.<iv>.<tag>.<ciphertext>` (base64url), AES-256-GCM bound to scope, name and version. */
  ciphertext: string;
  created_by: string;
  created_at: string;
}

/** A value encrypted under the master key at first start: tells a wrong key at the next start. */
export interface SecretKeyCheckTable {
  id: number;
  ciphertext: string;
}

export interface SecretsTables {
  secret_versions: SecretVersionsTable;
  secret_key_check: SecretKeyCheckTable;
}
