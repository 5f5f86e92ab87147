import helmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';

/**
 * Security headers on every response of Paved's own (API, portal, git; workloads' hosts are
 * answered by the delivery router before Fastify and keep their own headers). The portal is
 * Vite-built files from this origin: no inline scripts or styles, the favicon a data: URL. The
 * template form validates with ajv (through @rjsf/validator-ajv8), which compiles schemas into
 * functions, hence 'unsafe-eval' for scripts; nothing else of the CSP is relaxed.
 */
export async function registerSecurityHeaders(app: FastifyInstance): Promise<void> {
  await app.register(helmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'", "'unsafe-eval'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'"],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'none'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
    },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'same-origin' },
    // Strict-Transport-Security is the TLS terminator's to send: Paved itself often answers plain
    // http on localhost, and the header would bind every subdomain (workloads' hosts included).
    strictTransportSecurity: false,
  });
}
