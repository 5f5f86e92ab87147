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

/** GitLab's REST API (v4): creates the project in the owner's group or user namespace, then pushes. */
export const publishGitlab = defineAction<Input>({
  id: 'publish:gitlab',
  description: 'Creates a GitLab project and pushes the workspace to it (needs PAVED_GITLAB_TOKEN).',
  supportsDryRun: false,
  schema: {
    input: {
      type: 'object',
      required: ['repoUrl'],
      additionalProperties: true,
      properties: {
        repoUrl: { type: 'string', description: 'gitlab.com?owner=<group or user>&repo=<name>' },
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
        remoteUrl: { type: 'string', examples: ['https://gitlab.com/acme/my-service.git'] },
        repoContentsUrl: { type: 'string', examples: ['https://gitlab.com/acme/my-service/-/blob/main'] },
        commitHash: { type: 'string', examples: ['0000000000000000000000000000000000000000'] },
      },
    },
  },
  async handler(context) {
    const gitlab = context.services.integrations.gitlab;
    if (!gitlab) throw new Error('publish:gitlab needs a GitLab token: set PAVED_GITLAB_TOKEN (and PAVED_GITLAB_URL for a self-managed GitLab)');
    const parts = parseRepoUrl(context.input.repoUrl);
    const owner = parts.owner ?? parts.organization;
    if (!owner) throw new Error(`publish:gitlab: ${context.input.repoUrl} has no owner= parameter`);
    const branch = context.input.defaultBranch ?? 'main';
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
    const { commit } = await pushDirectory(await context.workspace.resolve(context.input.sourcePath ?? '.', 'input.sourcePath'), created.http_url_to_repo, {
      branch,
      message: context.input.gitCommitMessage ?? 'Initial commit',
      author: commitAuthor(context.principal.userRef, context.input),
      authorization: `Basic ${Buffer.from(`oauth2:${gitlab.token}`).toString('base64')}`,
      signal: context.signal,
    });
    await context.log(`Pushed ${commit.slice(0, 12)} to ${branch}`);
    context.output('remoteUrl', created.http_url_to_repo);
    context.output('repoContentsUrl', `${created.web_url}/-/blob/${branch}`);
    context.output('commitHash', commit);
  },
});
