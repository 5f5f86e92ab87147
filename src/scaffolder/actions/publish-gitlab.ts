import { parseRepoUrl } from '../../expressions/index.js';
import { defineAction } from './action.js';
import { type RemotePublishInput, callHostApi, pushToCreatedRepository, remotePublishSchema } from './remote-host.js';

/** GitLab's REST API (v4): creates the project in the owner's group or user namespace, then pushes. */
export const publishGitlab = defineAction<RemotePublishInput>({
  id: 'publish:gitlab',
  description: 'Creates a GitLab project and pushes the workspace to it (needs PAVED_GITLAB_TOKEN).',
  supportsDryRun: false,
  schema: remotePublishSchema('gitlab.com?owner=<group or user>&repo=<name>', {
    remoteUrl: 'https://gitlab.com/acme/my-service.git',
    repoContentsUrl: 'https://gitlab.com/acme/my-service/-/blob/main',
  }),
  async handler(context) {
    const gitlab = context.services.integrations.gitlab;
    if (!gitlab.token) throw new Error('publish:gitlab needs a GitLab token: set PAVED_GITLAB_TOKEN (and PAVED_GITLAB_URL for a self-managed GitLab)');
    const parts = parseRepoUrl(context.input.repoUrl);
    const owner = parts.owner ?? parts.organization;
    if (!owner) throw new Error(`publish:gitlab: ${context.input.repoUrl} has no owner= parameter`);
    const headers = { 'private-token': gitlab.token };
    const api = (route: string) => `${gitlab.baseUrl.replace(/\/$/, '')}/api/v4${route}`;
    const namespace = await callHostApi<{ id: number }>('GitLab', api(`/namespaces/${encodeURIComponent(owner)}`), { headers, signal: context.signal });
    const created = await callHostApi<{ http_url_to_repo: string; web_url: string }>('GitLab', api('/projects'), {
      method: 'POST',
      headers,
      body: { name: parts.repo, path: parts.repo, namespace_id: namespace.id, description: context.input.description, visibility: context.input.repoVisibility ?? 'private' },
      signal: context.signal,
    });
    await context.log(`Created ${created.web_url}`);
    await pushToCreatedRepository(context, {
      cloneUrl: created.http_url_to_repo,
      contentsUrl: (branch) => `${created.web_url}/-/blob/${branch}`,
      authorization: `Basic ${Buffer.from(`oauth2:${gitlab.token}`).toString('base64')}`,
    });
  },
});
