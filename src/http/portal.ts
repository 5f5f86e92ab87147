import fs from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/**
 * The portal (web/, built into dist/web) served from the same process. Its files are public, like
 * any web app's; what it shows comes from the API, which authorizes every call. The files are
 * served where no route matched (so they never shadow the API), and any other page path gets
 * index.html, for the app's own router.
 */
export async function registerPortal(app: FastifyInstance, portalDir: string): Promise<((request: FastifyRequest, reply: FastifyReply) => Promise<unknown>) | undefined> {
  if (!fs.existsSync(path.join(portalDir, 'index.html'))) return undefined;
  await app.register(fastifyStatic, { root: portalDir, serve: false });
  return async (request, reply) => {
    const pathname = safeDecode(request.url.split('?')[0] ?? '/');
    const file = pathname === undefined ? undefined : path.join(portalDir, path.normalize(pathname));
    const inside = file !== undefined && file.startsWith(`${portalDir}${path.sep}`);
    if (inside && pathname!.startsWith('/assets/') && fs.statSync(file, { throwIfNoEntry: false })?.isFile()) {
      // Vite names assets by their content: they never change under a name.
      return reply.sendFile(path.relative(portalDir, file), { maxAge: '365d', immutable: true });
    }
    // The page itself is asked for again each time, so a new build is picked up at once.
    return reply.header('cache-control', 'no-cache').type('text/html; charset=utf-8').sendFile('index.html', { cacheControl: false });
  };
}

/** Page paths of the portal: GET and HEAD outside the API, the git server and the health check. */
export function isPortalPath(request: FastifyRequest): boolean {
  const pathname = request.url.split('?')[0] ?? '/';
  return (request.method === 'GET' || request.method === 'HEAD') && !/^\/(api|git|healthz|metrics)(\/|$)/.test(pathname);
}

/** The decoded path, or undefined for one no file can have (a bad escape, a NUL): the page is served instead. */
function safeDecode(pathname: string): string | undefined {
  try {
    const decoded = decodeURIComponent(pathname);
    return decoded.includes('\0') ? undefined : decoded;
  } catch {
    return undefined;
  }
}
