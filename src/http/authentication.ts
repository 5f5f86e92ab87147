import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AccessService } from '../access/access-service.js';
import { TooManyRequestsError, UnauthenticatedError } from '../errors.js';

export interface AuthenticationOptions {
  access: AccessService;
  /** Failed authentications one client address may make per minute; then 429 until the minute ends. */
  failedAuthPerMinute: number;
  /** How often an open stream re-checks its token. */
  streamRecheckMs: number;
}

/** What a long-lived response (an event stream) needs to notice that its caller lost access. */
export interface RequestAuthentication {
  /** Authenticates the request's credentials again: false once the token is revoked or expired, or its user left. */
  recheck(): Promise<boolean>;
  /** Calls `listener` when this process revokes the request's token; returns the unsubscribe. */
  onRevoked(listener: () => void): () => void;
  recheckMs: number;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set with `principal` by the authentication hook. */
    authentication: RequestAuthentication | null;
  }
}

/** git sends its credentials only as HTTP Basic auth; nothing else of Paved accepts Basic. */
export function isGitRequest(request: FastifyRequest): boolean {
  return /^\/git\//.test(request.url);
}

/**
 * The authentication hook of every non-public route: it sets `request.principal`, and throttles
 * failed attempts per client address with @fastify/rate-limit. Only failures are counted (a
 * request whose credentials work is never limited); once an address has used up its failures,
 * its credentialed requests get 429 without their token being checked, so guessing a weak
 * PAVED_ADMIN_TOKEN takes minutes per twenty tries.
 */
export async function registerAuthentication(app: FastifyInstance, options: AuthenticationOptions): Promise<void> {
  await app.register(rateLimit, { global: false });
  // Keyed by the plugin's default: the client address, IPv4-mapped IPv6 unwrapped, IPv6 by /64.
  const failures = app.createRateLimit({ max: options.failedAuthPerMinute, timeWindow: 60_000 });
  app.decorateRequest('principal', null);
  app.decorateRequest('authentication', null);

  app.addHook('onRequest', async (request) => {
    if (request.routeOptions.config.public || request.is404) return;
    const authorization = request.headers.authorization;
    const authenticateOptions = { allowBasic: isGitRequest(request) };
    if (authorization) {
      const status = await failures(request, { increment: false });
      if (!status.isAllowed && status.remaining === 0) {
        throw new TooManyRequestsError('access.too_many_failures', `Too many failed authentications from ${request.ip}; try again in ${status.ttlInSeconds} s`, {
          retryAfterSeconds: status.ttlInSeconds,
          hint: 'Check the token you send (`paved token list` shows your tokens).',
        });
      }
    }
    try {
      request.principal = await options.access.authenticate(authorization, authenticateOptions);
    } catch (error) {
      // A request without credentials is not a guess; a portal page asks before there is a token.
      if (authorization && error instanceof UnauthenticatedError) await failures(request);
      throw error;
    }
    const tokenId = request.principal.tokenId;
    request.authentication = {
      recheckMs: options.streamRecheckMs,
      recheck: () =>
        options.access.authenticate(authorization, authenticateOptions).then(
          () => true,
          // Only a verdict on the token ends a stream; a database hiccup does not.
          (error: unknown) => !(error instanceof UnauthenticatedError),
        ),
      onRevoked: (listener) => (tokenId ? options.access.onTokenRevoked((revoked) => revoked === tokenId && listener()) : () => {}),
    };
  });
}
