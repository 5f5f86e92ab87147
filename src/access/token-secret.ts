import crypto from 'node:crypto';

const TOKEN_PREFIX = 'pvd_';

/** A new random token: 256 bits, URL-safe, recognisable by its `pvd_` prefix. */
export function generateToken(): string {
  return TOKEN_PREFIX + crypto.randomBytes(32).toString('base64url');
}

/**
 * Tokens are random and long, so a fast hash is enough to make a stolen database useless while
 * keeping each request's lookup cheap; a password hash would only slow every API call.
 */
export function hashToken(token: string): string {
  return crypto.createHash('sha256').update(token).digest('hex');
}

/** Compares two hashes in constant time. */
export function sameHash(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  return left.length === right.length && crypto.timingSafeEqual(left, right);
}

/** The part of a token that may be shown again: enough to tell tokens apart, not to use one. */
export function tokenDisplayPrefix(token: string): string {
  return token.slice(0, TOKEN_PREFIX.length + 6);
}
