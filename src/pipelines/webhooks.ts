import crypto from 'node:crypto';
import type { FastifyPluginAsync } from 'fastify';
import type { Logger } from 'pino';
import { systemPrincipal } from '../access/principal.js';
import type { Config } from '../config.js';
import { z } from 'zod';
import { InvalidInputError, NotFoundError, UnauthenticatedError } from '../errors.js';
import type { GitService, Repository } from '../git/index.js';

/** What both forges' push events come down to. */
interface ForgePush {
  owner: string;
  repo: string;
  cloneUrl: string;
  ref: string;
  deleted: boolean;
  pusher: string;
}

const githubPush = z.object({
  ref: z.string(),
  deleted: z.boolean().optional(),
  repository: z.object({ name: z.string().min(1), owner: z.object({ login: z.string().optional(), name: z.string().optional() }), clone_url: z.string().min(1) }),
  pusher: z.object({ name: z.string().optional() }).optional(),
});
const gitlabPush = z.object({
  ref: z.string(),
  after: z.string(),
  project: z.object({ path_with_namespace: z.string().min(1), git_http_url: z.string().min(1) }),
  user_username: z.string().optional(),
});

function parsePayload<T>(body: Buffer, schema: z.ZodType<T>): T {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    throw new InvalidInputError('pipelines.webhook_payload_invalid', 'The webhook body is not JSON');
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    throw new InvalidInputError('pipelines.webhook_payload_invalid', `The webhook body is not a push event: ${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`);
  }
  return parsed.data;
}

const sameSecret = (given: string, expected: string) => {
  const [a, b] = [Buffer.from(given), Buffer.from(expected)];
  return a.length === b.length && crypto.timingSafeEqual(a, b);
};

/** A name Paved's git accepts, from a forge's owner or repository name. */
const plainName = (value: string) => value.toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[^a-z0-9]+/, '').slice(0, 90) || 'x';

/**
 * `/api/pipelines/webhooks/github` and `/gitlab`: push events from repositories hosted there.
 * Each is authenticated by its signature (GitHub: HMAC-SHA256 of the body; GitLab: the secret
 * token), then the pushed ref is fetched into a mirror in Paved's git (`github-<owner>/<repo>`),
 * where it is recorded as a push — so it starts its pipeline exactly like a push to Paved.
 */
export function webhookRoutes(deps: { git: GitService; integrations: Config['integrations']; logger: Logger }): FastifyPluginAsync {
  const { git, integrations } = deps;

  async function mirror(forge: 'github' | 'gitlab', push: ForgePush, authorization: string | undefined) {
    const namespace = `${forge}-${plainName(push.owner)}`;
    const name = plainName(push.repo);
    const repository: Repository = await git.get(namespace, name).catch(async (error: unknown) => {
      if (!(error instanceof NotFoundError)) throw error;
      return git.create(systemPrincipal, { namespace, name, ownerRef: integrations.mirrorOwner });
    });
    const events = await git.mirrorRef(repository, push.cloneUrl, push.ref, { deleted: push.deleted, pusher: `${forge}:${push.pusher}`, authorization });
    deps.logger.info({ forge, repository: `${namespace}/${name}`, ref: push.ref, changed: events.length }, 'mirrored a push from a forge');
    return { repository: `${namespace}/${name}`, ref: push.ref, recorded: events.length };
  }

  return async (app) => {
    // The signature is over the exact bytes, so these routes take the body unparsed.
    app.removeContentTypeParser('application/json');
    app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

    app.post('/github', { config: { public: true }, schema: { summary: 'GitHub push webhook (signed with PAVED_GITHUB_WEBHOOK_SECRET)' } }, async (request, reply) => {
      const secret = integrations.github.webhookSecret;
      if (!secret) throw new NotFoundError('pipelines.webhook_not_configured', 'No GitHub webhook secret is configured (PAVED_GITHUB_WEBHOOK_SECRET)');
      const body = request.body as Buffer;
      const expected = `sha256=${crypto.createHmac('sha256', secret).update(body).digest('hex')}`;
      if (!sameSecret(String(request.headers['x-hub-signature-256'] ?? ''), expected)) {
        throw new UnauthenticatedError('pipelines.webhook_signature_invalid', 'The X-Hub-Signature-256 header does not match the body signed with the webhook secret');
      }
      const event = String(request.headers['x-github-event'] ?? '');
      if (event === 'ping') return { ok: true };
      if (event !== 'push') return reply.code(202).send({ ignored: `event ${event}` });
      const payload = parsePayload(body, githubPush);
      const token = integrations.github.token;
      reply.code(202);
      return mirror(
        'github',
        {
          owner: payload.repository.owner.login ?? payload.repository.owner.name ?? 'unknown',
          repo: payload.repository.name,
          cloneUrl: payload.repository.clone_url,
          ref: payload.ref,
          deleted: payload.deleted === true,
          pusher: payload.pusher?.name ?? 'unknown',
        },
        token ? `Basic ${Buffer.from(`x-access-token:${token}`).toString('base64')}` : undefined,
      );
    });

    app.post('/gitlab', { config: { public: true }, schema: { summary: 'GitLab push webhook (secret token PAVED_GITLAB_WEBHOOK_TOKEN)' } }, async (request, reply) => {
      const secret = integrations.gitlab.webhookToken;
      if (!secret) throw new NotFoundError('pipelines.webhook_not_configured', 'No GitLab webhook token is configured (PAVED_GITLAB_WEBHOOK_TOKEN)');
      if (!sameSecret(String(request.headers['x-gitlab-token'] ?? ''), secret)) {
        throw new UnauthenticatedError('pipelines.webhook_signature_invalid', 'The X-Gitlab-Token header is not the configured webhook token');
      }
      const event = String(request.headers['x-gitlab-event'] ?? '');
      if (event !== 'Push Hook' && event !== 'Tag Push Hook') return reply.code(202).send({ ignored: `event ${event}` });
      const payload = parsePayload(request.body as Buffer, gitlabPush);
      const [owner, ...rest] = payload.project.path_with_namespace.split('/');
      const token = integrations.gitlab.token;
      reply.code(202);
      return mirror(
        'gitlab',
        {
          owner: owner!,
          repo: rest.join('-') || owner!,
          cloneUrl: payload.project.git_http_url,
          ref: payload.ref,
          deleted: /^0+$/.test(payload.after),
          pusher: payload.user_username ?? 'unknown',
        },
        token ? `Basic ${Buffer.from(`oauth2:${token}`).toString('base64')}` : undefined,
      );
    });
  };
}
