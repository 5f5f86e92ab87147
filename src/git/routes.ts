import type { Readable } from 'node:stream';
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ForbiddenError } from '../errors.js';
import { nameParam, relativePathParam, repositoryDirectoryParam } from '../http/path-params.js';
import { principalOf } from '../http/request-principal.js';
import type { GitService } from './git-service.js';
import { validateRepositoryName } from './git-service.js';
import { runHttpBackend } from './http-backend.js';

const repoParams = z.object({ namespace: nameParam, name: nameParam });
const smartHttpParams = z.object({ namespace: nameParam, repository: repositoryDirectoryParam, '*': relativePathParam });
const repositorySchema = z.object({ namespace: z.string(), name: z.string(), ownerRef: z.string(), createdBy: z.string(), createdAt: z.string(), path: z.string() });

/** `/api/git/repositories`: create, list, get and delete repositories. */
export function repositoryRoutes(git: GitService): FastifyPluginAsync {
  return async (plainApp) => {
    const app = plainApp.withTypeProvider<ZodTypeProvider>();
    app.post(
      '/repositories',
      {
        schema: {
          summary: 'Create an empty repository owned by the caller or one of its groups',
          body: z.object({ namespace: z.string(), name: z.string(), ownerRef: z.string().optional() }),
          response: { 201: repositorySchema },
        },
      },
      async (request, reply) => reply.status(201).send(await git.create(principalOf(request), request.body)),
    );
    app.get('/repositories', { schema: { summary: 'Every repository', response: { 200: z.object({ items: z.array(repositorySchema) }) } } }, async (request) => {
      principalOf(request);
      return { items: await git.list() };
    });
    app.get(
      '/repositories/:namespace/:name',
      { schema: { summary: 'One repository', params: repoParams, response: { 200: repositorySchema } } },
      async (request) => {
        principalOf(request);
        return git.get(request.params.namespace, request.params.name);
      },
    );
    const commitSchema = z.object({ id: z.string(), author: z.string(), email: z.string(), time: z.string(), message: z.string() });
    app.get('/repositories/:namespace/:name/branches', { schema: { summary: 'Branches and their head commits', params: repoParams, response: { 200: z.object({ items: z.array(z.object({ name: z.string(), commit: z.string() })) }) } } }, async (request) => {
      principalOf(request);
      return { items: await git.branches(request.params.namespace, request.params.name) };
    });
    app.get(
      '/repositories/:namespace/:name/log',
      { schema: { summary: 'Commits of a branch, tag or commit, newest first', params: repoParams, querystring: z.object({ ref: z.string().default('main'), limit: z.coerce.number().int().min(1).max(1000).default(50) }), response: { 200: z.object({ items: z.array(commitSchema) }) } } },
      async (request) => {
        principalOf(request);
        return { items: await git.log(request.params.namespace, request.params.name, request.query.ref, request.query.limit) };
      },
    );
    app.get(
      '/repositories/:namespace/:name/tree',
      { schema: { summary: 'The entries of a directory at a ref', params: repoParams, querystring: z.object({ ref: z.string().default('main'), path: z.string().default('') }), response: { 200: z.object({ items: z.array(z.object({ name: z.string(), type: z.enum(['file', 'directory']), size: z.number().nullable() })) }) } } },
      async (request) => {
        principalOf(request);
        return { items: await git.tree(request.params.namespace, request.params.name, request.query.ref, request.query.path) };
      },
    );
    app.get(
      '/repositories/:namespace/:name/file',
      { schema: { summary: "A file's content at a ref", params: repoParams, querystring: z.object({ ref: z.string().default('main'), path: z.string().min(1) }) } },
      async (request, reply) => {
        principalOf(request);
        return reply.type('application/octet-stream').send(await git.file(request.params.namespace, request.params.name, request.query.ref, request.query.path));
      },
    );
    app.get(
      '/repositories/:namespace/:name/pushes',
      {
        schema: {
          summary: 'Pushes to the repository, newest first, with their commits',
          params: repoParams,
          querystring: z.object({ limit: z.coerce.number().int().min(1).max(500).default(50) }),
          response: { 200: z.object({ items: z.array(z.object({ id: z.string(), repository: z.string(), ref: z.string(), before: z.string(), after: z.string(), pusher: z.string(), commits: z.array(commitSchema), pushedAt: z.string() })) }) },
        },
      },
      async (request) => {
        principalOf(request);
        return { items: await git.pushes(request.params.namespace, request.params.name, request.query.limit) };
      },
    );
    app.delete(
      '/repositories/:namespace/:name',
      { schema: { summary: 'Delete a repository and its history', params: repoParams } },
      async (request, reply) => {
        await git.remove(principalOf(request), request.params.namespace, request.params.name);
        return reply.status(204).send();
      },
    );
  };
}

const GIT_CONTENT_TYPES = ['application/x-git-upload-pack-request', 'application/x-git-receive-pack-request'];

/**
 * `/git/<namespace>/<name>.git/...`: git's smart HTTP protocol, for `git clone`, `fetch` and
 * `push` with a Paved token as the password. Reading needs any authenticated user; pushing needs
 * ownership of the repository.
 */
export function smartHttpRoutes(git: GitService): FastifyPluginAsync {
  return async (app) => {
    // Pack data streams straight to git; nothing here buffers or parses it.
    app.addContentTypeParser(GIT_CONTENT_TYPES, { bodyLimit: 512 * 1024 * 1024 }, (_request, payload, done) => done(null, payload));
    app.route({
      method: ['GET', 'POST'],
      url: '/:namespace/:repository/*',
      schema: { hide: true, params: smartHttpParams },
      handler: async (request, reply) => {
        const principal = principalOf(request);
        const { namespace, repository: directory, '*': rest } = request.params as z.infer<typeof smartHttpParams>;
        const repository = await git.get(validateRepositoryName(namespace, 'namespace'), validateRepositoryName(directory.slice(0, -4), 'name'));
        const query = request.url.includes('?') ? request.url.slice(request.url.indexOf('?') + 1) : '';
        const pushing = rest === 'git-receive-pack' || new URLSearchParams(query).get('service') === 'git-receive-pack';
        if (pushing && !git.mayPush(principal, repository)) {
          throw new ForbiddenError('git.push_forbidden', `${principal.userRef} may not push to ${namespace}/${repository.name}: only its owner (${repository.ownerRef}) or an administrator may`);
        }
        const receiving = request.method === 'POST' && rest === 'git-receive-pack';
        const refsBefore = receiving ? await git.refs(repository) : undefined;
        const response = await runHttpBackend(git.root, {
          method: request.method,
          pathInfo: `/${namespace}/${repository.name}.git/${rest}`,
          query,
          headers: request.headers,
          body: request.method === 'POST' ? (request.body as Readable) : undefined,
          remoteUser: principal.userRef,
        });
        if (refsBefore) {
          response.body.once('end', () => {
            git.recordPush(repository, principal.userRef, refsBefore).catch((error) => request.log.error({ err: error }, 'recording a push failed'));
          });
        }
        reply.status(response.status).headers(response.headers);
        return reply.send(response.body);
      },
    });
  };
}
