import crypto from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Kysely } from 'kysely';
import { recordAuditEvents } from '../audit/audit-log.js';
import type { Database } from '../db/database.js';
import { InvalidInputError, NotFoundError, UnauthenticatedError } from '../errors.js';
import { authorize } from './authorize.js';
import { BOOTSTRAP_ADMIN_REF, type Principal, bootstrapAdminPrincipal, userPrincipal } from './principal.js';
import { generateToken, hashToken, sameHash, tokenDisplayPrefix } from './token-secret.js';
import type { AccessTokenRow } from './tables.js';

/** What access needs to know about people, answered by the catalog. */
export interface Directory {
  /** Whether a User entity with this ref exists. */
  userExists(userRef: string): Promise<boolean>;
  /** Refs of the groups the user is a direct member of. */
  groupsOf(userRef: string): Promise<string[]>;
}

export interface AccessToken {
  id: string;
  name: string;
  /** First characters of the token, for recognising it; not enough to use it. */
  prefix: string;
  userRef: string;
  createdBy: string;
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export interface CreateTokenInput {
  name: string;
  /** Defaults to the caller; only administrators create tokens for someone else. */
  userRef?: string;
  expiresInDays?: number;
}

export interface AuthenticateOptions {
  /**
   * Accept the token as the password of HTTP Basic auth. Only git needs it (it sends credentials
   * no other way); everywhere else a browser could be made to send cached Basic credentials
   * cross-site, so Basic is refused.
   */
  allowBasic?: boolean;
}

export interface AccessService {
  /**
   * Resolves an `Authorization` header to a principal; throws `UnauthenticatedError` if it cannot:
   * no or malformed header, unknown, revoked or expired token, or a user no longer in the catalog.
   */
  authenticate(authorization: string | undefined, options?: AuthenticateOptions): Promise<Principal>;
  /** Calls `listener` with the id of each token revoked by this process (streams end at once). */
  onTokenRevoked(listener: (tokenId: string) => void): () => void;
  /** Creates a token; the returned `token` is the only time the secret is ever shown. */
  createToken(principal: Principal, input: CreateTokenInput): Promise<AccessToken & { token: string }>;
  /** Tokens of one user (default: the caller); administrators may list anyone's. */
  listTokens(principal: Principal, userRef?: string): Promise<AccessToken[]>;
  /** Revokes a token at once; requests carrying it fail from then on. Revoking twice is a no-op. */
  revokeToken(principal: Principal, id: string): Promise<AccessToken>;
}

export interface AccessServiceDeps {
  db: Kysely<Database>;
  directory: Directory;
  /** SHA-256 of the bootstrap administrator token. */
  adminTokenHash: string;
  adminGroups: readonly string[];
  /** Days a token lives when its creator names none (90 by default), and the most one may ask for (365). */
  tokenLifetime?: { defaultDays: number; maxDays: number };
}

// Writing last_used_at on every request would turn every read into a write; a minute's
// precision is what a user looking at their token list needs.
const LAST_USED_PRECISION_MS = 60_000;

export function createAccessService(deps: AccessServiceDeps): AccessService {
  const { db, directory } = deps;
  const lifetime = deps.tokenLifetime ?? { defaultDays: 90, maxDays: 365 };
  const lastUsedWrites = new Map<string, number>();
  const revocations = new EventEmitter();
  revocations.setMaxListeners(0);

  async function principalFor(userRef: string, tokenId?: string): Promise<Principal> {
    return userPrincipal(userRef, await directory.groupsOf(userRef), deps.adminGroups, tokenId);
  }

  async function findOwnedToken(principal: Principal, id: string): Promise<AccessTokenRow> {
    const row = await db.selectFrom('access_tokens').selectAll().where('id', '=', id).executeTakeFirst();
    const notFound = new NotFoundError('access.token_not_found', `No token with id ${id}`, { path: 'id' });
    if (!row) throw notFound;
    try {
      authorize(principal, 'access.token.read', { ref: `token:${id}`, createdBy: row.user_ref });
    } catch {
      throw notFound;
    }
    return row;
  }

  return {
    async authenticate(authorization, options = {}) {
      const token = tokenFromHeader(authorization, options.allowBasic ?? false);
      const hash = hashToken(token);
      if (sameHash(hash, deps.adminTokenHash)) {
        return bootstrapAdminPrincipal;
      }
      const row = await db.selectFrom('access_tokens').selectAll().where('token_hash', '=', hash).executeTakeFirst();
      const now = new Date();
      if (!row || row.revoked_at) throw new UnauthenticatedError('access.invalid_token', 'The token is not valid or was revoked');
      // Tokens made before expiry was the default have none: they live as long as the longest allowed.
      const expiresAt = row.expires_at ?? new Date(Date.parse(row.created_at) + lifetime.maxDays * 86_400_000).toISOString();
      if (expiresAt <= now.toISOString()) {
        throw new UnauthenticatedError('access.token_expired', `The token "${row.name}" expired at ${expiresAt}`, {
          hint: 'Create a new one with `paved token create`.',
        });
      }
      // A token stands for a person of the catalog: when they leave it, their tokens stop working.
      if (!(await directory.userExists(row.user_ref))) {
        throw new UnauthenticatedError('access.user_not_in_catalog', `The token "${row.name}" belongs to ${row.user_ref}, who is no longer in the catalog`, {
          hint: 'Tokens work only while their user is a User entity of the catalog; ask an administrator if this is a mistake.',
        });
      }
      const lastWrite = lastUsedWrites.get(row.id) ?? 0;
      if (now.getTime() - lastWrite > LAST_USED_PRECISION_MS) {
        lastUsedWrites.set(row.id, now.getTime());
        await db.updateTable('access_tokens').set({ last_used_at: now.toISOString() }).where('id', '=', row.id).execute();
      }
      return principalFor(row.user_ref, row.id);
    },

    async createToken(principal, input) {
      const userRef = (input.userRef ?? principal.userRef).toLowerCase();
      authorize(principal, 'access.token.create', { ref: `tokens of ${userRef}`, createdBy: userRef });
      if (!userRef.startsWith('user:')) {
        throw new InvalidInputError('access.invalid_user', `Tokens belong to users; "${userRef}" is not a user ref`, {
          path: 'userRef',
          hint: 'Use a ref like user:default/jane.',
        });
      }
      if (!(await directory.userExists(userRef))) {
        const bootstrap = userRef === BOOTSTRAP_ADMIN_REF;
        throw new InvalidInputError('access.unknown_user', `There is no User entity ${userRef} in the catalog`, {
          path: 'userRef',
          hint: bootstrap
            ? 'The bootstrap administrator token stands for no user; create tokens for real users (userRef), and make administrators members of an admin group.'
            : 'Register the user (a User entity) first.',
        });
      }
      const days = input.expiresInDays ?? lifetime.defaultDays;
      if (days > lifetime.maxDays) {
        throw new InvalidInputError('access.token_lifetime_too_long', `A token may live at most ${lifetime.maxDays} days; ${days} were asked for`, {
          path: 'expiresInDays',
          hint: `Ask for ${lifetime.maxDays} days or fewer (PAVED_TOKEN_MAX_TTL_DAYS sets the limit).`,
        });
      }
      const token = generateToken();
      const now = new Date();
      const row: AccessTokenRow = {
        id: crypto.randomUUID(),
        name: input.name,
        token_hash: hashToken(token),
        token_prefix: tokenDisplayPrefix(token),
        user_ref: userRef,
        created_by: principal.userRef,
        created_at: now.toISOString(),
        expires_at: new Date(now.getTime() + days * 86_400_000).toISOString(),
        last_used_at: null,
        revoked_at: null,
      };
      await db.transaction().execute(async (trx) => {
        await trx.insertInto('access_tokens').values(row).execute();
        await recordAuditEvents(trx, [
          { actor: principal.userRef, action: 'access.token.create', target: `token:${row.id}`, details: { userRef, name: row.name } },
        ]);
      });
      return { ...tokenFromRow(row), token };
    },

    async listTokens(principal, userRef) {
      const owner = (userRef ?? principal.userRef).toLowerCase();
      authorize(principal, 'access.token.read', { ref: `tokens of ${owner}`, createdBy: owner });
      const rows = await db.selectFrom('access_tokens').selectAll().where('user_ref', '=', owner).orderBy('created_at', 'desc').execute();
      return rows.map(tokenFromRow);
    },

    async revokeToken(principal, id) {
      const row = await findOwnedToken(principal, id);
      authorize(principal, 'access.token.revoke', { ref: `token:${id}`, createdBy: row.user_ref });
      if (row.revoked_at) return tokenFromRow(row);
      const revokedAt = new Date().toISOString();
      await db.transaction().execute(async (trx) => {
        await trx.updateTable('access_tokens').set({ revoked_at: revokedAt }).where('id', '=', id).execute();
        await recordAuditEvents(trx, [
          { actor: principal.userRef, action: 'access.token.revoke', target: `token:${id}`, details: { userRef: row.user_ref, name: row.name } },
        ]);
      });
      revocations.emit('revoked', id);
      return tokenFromRow({ ...row, revoked_at: revokedAt });
    },

    onTokenRevoked(listener) {
      revocations.on('revoked', listener);
      return () => revocations.off('revoked', listener);
    },
  };
}

function tokenFromHeader(authorization: string | undefined, allowBasic: boolean): string {
  if (!authorization) {
    throw new UnauthenticatedError('access.missing_token', 'This request needs a token', {
      hint: 'Send "Authorization: Bearer <token>"; create one with `paved token create`.',
    });
  }
  const [rawScheme, value = ''] = authorization.split(' ', 2);
  const scheme = rawScheme?.toLowerCase();
  if (scheme === 'bearer' && value) return value.trim();
  if (scheme === 'basic' && value) {
    if (!allowBasic) {
      throw new UnauthenticatedError('access.basic_refused', 'The API takes "Authorization: Bearer <token>"; Basic auth is accepted only by the git server under /git', {
        hint: 'Send the token as "Authorization: Bearer <token>".',
      });
    }
    // git sends the token as the password of HTTP basic auth; the user name is ignored.
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const password = decoded.slice(decoded.indexOf(':') + 1);
    if (password) return password;
  }
  throw new UnauthenticatedError('access.malformed_authorization', 'The Authorization header is not "Bearer <token>"');
}

function tokenFromRow(row: AccessTokenRow): AccessToken {
  return {
    id: row.id,
    name: row.name,
    prefix: row.token_prefix,
    userRef: row.user_ref,
    createdBy: row.created_by,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    lastUsedAt: row.last_used_at,
    revokedAt: row.revoked_at,
  };
}
