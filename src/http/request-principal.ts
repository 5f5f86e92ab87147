import type { FastifyRequest } from 'fastify';
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
