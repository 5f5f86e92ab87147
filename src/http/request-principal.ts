import type { FastifyRequest } from 'fastify';
import './authentication.js';
import type { Principal } from '../access/principal.js';
import { UnauthenticatedError } from '../errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the authentication hook on every non-public route. */
    principal: Principal | null;
  }
  interface FastifyContextConfig {
    /** A public route answers without a token (health, OpenAPI). Everything else needs one. */
    public?: boolean;
  }
}

/** The authenticated principal of a request; routes call this, never read headers themselves. */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new UnauthenticatedError('access.missing_token', 'This request needs a token');
  return request.principal;
}

/**
 * A signal that fires when the caller of a long-lived response loses access: at once when this
 * process revokes its token, otherwise at the next periodic re-check (token revoked by another
 * replica, expired, or its user gone from the catalog). Streams end on it; `stop()` when done.
 */
export function whileAuthenticated(request: FastifyRequest): { signal: AbortSignal; stop(): void } {
  const controller = new AbortController();
  const authentication = request.authentication;
  if (!authentication) return { signal: controller.signal, stop: () => {} };
  const lost = () =>
    controller.abort(new UnauthenticatedError('access.stream_access_lost', 'The token of this stream was revoked or expired, or its user left the catalog', { hint: 'Sign in again with a valid token.' }));
  const timer = setInterval(() => {
    void authentication.recheck().then((ok) => ok || lost());
  }, authentication.recheckMs);
  timer.unref();
  const unsubscribe = authentication.onRevoked(lost);
  const stop = () => {
    clearInterval(timer);
    unsubscribe();
  };
  controller.signal.addEventListener('abort', stop, { once: true });
  return { signal: controller.signal, stop };
}

/** The last event of a stream whose caller lost access: the error, in the one error shape. */
export function accessLostEvent(reason: unknown): string {
  const error = reason instanceof UnauthenticatedError ? reason : new UnauthenticatedError('access.stream_access_lost', 'Access to this stream ended');
  return `event: error\ndata: ${JSON.stringify({ error: { name: error.name, code: error.code, message: error.message } })}\n\n`;
}
