import { parseRepoUrl } from '../../expressions/index.js';
import { defineAction } from './action.js';
import { commitAuthor } from './remote-host.js';

interface Input {
  repoUrl?: string;
  namespace?: string;
  name?: string;
  owner?: string;
  description?: string;
  defaultBranch?: string;
  sourcePath?: string;
  gitCommitMessage?: string;
  gitAuthorName?: string;
  gitAuthorEmail?: string;
}

export const publishGit = defineAction<Input>({
  id: 'publish:git',
  description: "Creates a repository in Paved's embedded git hosting and pushes the workspace to it as the first commit.",
  supportsDryRun: false,
  schema: {
    input: {
      type: 'object',
      additionalProperties: false,
      properties: {
        repoUrl: { type: 'string', description: 'Backstage form, `paved?owner=<namespace>&repo=<name>` (the host is ignored); or give namespace and name' },
        namespace: { type: 'string', description: 'Repository namespace (default: default)' },
        name: { type: 'string', description: 'Repository name' },
        owner: { type: 'string', description: 'Entity ref of the owner (default: the user running the template); decides who may push' },
        description: { type: 'string' },
        defaultBranch: { type: 'string', description: 'Default: main' },
        sourcePath: { type: 'string', description: 'Part of the workspace to publish; default: all of it' },
        gitCommitMessage: { type: 'string', description: 'Default: "Initial commit"' },
        gitAuthorName: { type: 'string', description: "Default: the user's name" },
        gitAuthorEmail: { type: 'string' },
      },
    },
    output: {
      type: 'object',
      properties: {
        remoteUrl: { type: 'string', description: 'Clone URL', examples: ['http://localhost:7007/git/default/my-service.git'] },
        repoContentsUrl: { type: 'string', description: 'Base URL of the files, for catalog:register', examples: ['http://localhost:7007/api/git/repositories/default/my-service/file?ref=main&path='] },
        commitHash: { type: 'string', examples: ['0000000000000000000000000000000000000000'] },
      },
    },
  },
  async handler(context) {
    const { input, principal, services } = context;
    const fromUrl = input.repoUrl ? parseRepoUrl(input.repoUrl) : undefined;
    const namespace = input.namespace ?? fromUrl?.owner ?? 'default';
    const name = input.name ?? fromUrl?.repo;
    if (!name) throw new Error('publish:git needs input.name (or input.repoUrl with repo=)');
    const branch = input.defaultBranch ?? 'main';
    const repository = await services.git.create(principal, { namespace, name, ...(input.owner ? { ownerRef: input.owner } : {}) });
    await context.log(`Created repository ${namespace}/${name}, owned by ${repository.ownerRef}`);
    const { commit } = await services.git.publishDirectory(principal, repository, await context.workspace.folderOnDisk(input.sourcePath ?? '.', 'input.sourcePath'), {
      branch,
      message: input.gitCommitMessage ?? 'Initial commit',
      author: commitAuthor(principal.userRef, input),
      signal: context.signal,
    });
    await context.log(`Pushed ${commit.slice(0, 12)} to ${branch}`);
    context.output('remoteUrl', `${services.baseUrl()}${repository.path}`);
    context.output('repoContentsUrl', `${services.baseUrl()}/api/git/repositories/${namespace}/${name}/file?ref=${encodeURIComponent(branch)}&path=`);
    context.output('commitHash', commit);
  },
});
