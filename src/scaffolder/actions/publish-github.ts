import { parseRepoUrl } from '../../expressions/index.js';
import { defineAction } from './action.js';
import { type RemotePublishInput, callHostApi, pushToCreatedRepository, remotePublishSchema } from './remote-host.js';

/**
 * GitHub's REST API (or GitHub Enterprise's, with `github.apiBaseUrl`): creates the repository
 * under an organization or the token's user, then pushes the workspace over HTTPS with the token.
 */
export const publishGithub = defineAction<RemotePublishInput>({
  id: 'publish:github',
  description: 'Creates a GitHub repository and pushes the workspace to it (needs PAVED_GITHUB_TOKEN).',
  supportsDryRun: false,
  schema: remotePublishSchema('github.com?owner=<org or user>&repo=<name>', {
    remoteUrl: 'https://github.com/acme/my-service.git',
    repoContentsUrl: 'https://github.com/acme/my-service/blob/main',
  }),
  async handler(context) {
    const github = context.services.integrations.github;
    if (!github.token) throw new Error('publish:github needs a GitHub token: set PAVED_GITHUB_TOKEN (and PAVED_GITHUB_API_URL for GitHub Enterprise)');
    const { owner, repo } = parseRepoUrl(context.input.repoUrl);
    if (!owner) throw new Error(`publish:github: ${context.input.repoUrl} has no owner= parameter`);
    const headers = { authorization: `Bearer ${github.token}`, 'x-github-api-version': '2022-11-28' };
    const api = (route: string) => `${github.apiBaseUrl.replace(/\/$/, '')}${route}`;
    const account = await callHostApi<{ type: string }>('GitHub', api(`/users/${encodeURIComponent(owner)}`), { headers, signal: context.signal });
    const isOrganization = account.type === 'Organization';
    const visibility = context.input.repoVisibility ?? 'private';
    const created = await callHostApi<{ clone_url: string; html_url: string }>('GitHub', api(isOrganization ? `/orgs/${encodeURIComponent(owner)}/repos` : '/user/repos'), {
      method: 'POST',
      headers,
      body: { name: repo, description: context.input.description, private: visibility !== 'public', ...(isOrganization ? { visibility } : {}) },
      signal: context.signal,
    });
    await context.log(`Created ${created.html_url}`);
    await pushToCreatedRepository(context, {
      cloneUrl: created.clone_url,
      contentsUrl: (branch) => `${created.html_url}/blob/${branch}`,
      authorization: `Basic ${Buffer.from(`x-access-token:${github.token}`).toString('base64')}`,
    });
  },
});
