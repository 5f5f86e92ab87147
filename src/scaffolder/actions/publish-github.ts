import { pushDirectory } from '../../git/push-directory.js';
import { parseRepoUrl } from '../render/filters.js';
import { defineAction } from './action.js';
import { callHostApi, commitAuthor } from './remote-host.js';

interface Input {
  repoUrl: string;
  description?: string;
  defaultBranch?: string;
  repoVisibility?: 'private' | 'internal' | 'public';
  sourcePath?: string;
  gitCommitMessage?: string;
  gitAuthorName?: string;
  gitAuthorEmail?: string;
}

/**
 * GitHub's REST API (or GitHub Enterprise's, with `github.apiBaseUrl`): creates the repository
 * under an organization or the token's user, then pushes the workspace over HTTPS with the token.
 */
export const publishGithub = defineAction<Input>({
  id: 'publish:github',
  description: 'Creates a GitHub repository and pushes the workspace to it (needs PAVED_GITHUB_TOKEN).',
  supportsDryRun: false,
  schema: {
    input: {
      type: 'object',
      required: ['repoUrl'],
      additionalProperties: true,
      properties: {
        repoUrl: { type: 'string', description: 'github.com?owner=<org or user>&repo=<name>' },
        description: { type: 'string' },
        defaultBranch: { type: 'string', description: 'Default: main' },
        repoVisibility: { enum: ['private', 'internal', 'public'], description: 'Default: private' },
        sourcePath: { type: 'string' },
        gitCommitMessage: { type: 'string' },
        gitAuthorName: { type: 'string' },
        gitAuthorEmail: { type: 'string' },
      },
    },
    output: {
      type: 'object',
      properties: {
        remoteUrl: { type: 'string', examples: ['https://github.com/acme/my-service.git'] },
        repoContentsUrl: { type: 'string', examples: ['https://github.com/acme/my-service/blob/main'] },
        commitHash: { type: 'string', examples: ['0000000000000000000000000000000000000000'] },
      },
    },
  },
  async handler(context) {
    const github = context.services.integrations.github;
    if (!github) throw new Error('publish:github needs a GitHub token: set PAVED_GITHUB_TOKEN (and PAVED_GITHUB_API_URL for GitHub Enterprise)');
    const { owner, repo } = parseRepoUrl(context.input.repoUrl);
    if (!owner) throw new Error(`publish:github: ${context.input.repoUrl} has no owner= parameter`);
    const branch = context.input.defaultBranch ?? 'main';
    const headers = { authorization: `Bearer ${github.token}`, 'x-github-api-version': '2022-11-28' };
    const api = (route: string) => `${github.apiBaseUrl.replace(/\/$/, '')}${route}`;
    const account = await callHostApi<{ type: string }>('GitHub', api(`/users/${encodeURIComponent(owner)}`), { headers, signal: context.signal });
    const visibility = context.input.repoVisibility ?? 'private';
    const created = await callHostApi<{ clone_url: string; html_url: string }>('GitHub', api(account.type === 'Organization' ? `/orgs/${encodeURIComponent(owner)}/repos` : '/user/repos'), {
      method: 'POST',
      headers,
      body: { name: repo, description: context.input.description, private: visibility !== 'public', ...(account.type === 'Organization' ? { visibility } : {}) },
      signal: context.signal,
    });
    await context.log(`Created ${created.html_url}`);
    const { commit } = await pushDirectory(await context.workspace.resolve(context.input.sourcePath ?? '.', 'input.sourcePath'), created.clone_url, {
      branch,
      message: context.input.gitCommitMessage ?? 'Initial commit',
      author: commitAuthor(context.principal.userRef, context.input),
      authorization: `Basic ${Buffer.from(`x-access-token:${github.token}`).toString('base64')}`,
      signal: context.signal,
    });
    await context.log(`Pushed ${commit.slice(0, 12)} to ${branch}`);
    context.output('remoteUrl', created.clone_url);
    context.output('repoContentsUrl', `${created.html_url}/blob/${branch}`);
    context.output('commitHash', commit);
  },
});
