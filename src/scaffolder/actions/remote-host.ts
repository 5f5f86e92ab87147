import { pushDirectory } from '../../git/push-directory.js';
import type { ActionContext, JsonSchema } from './action.js';

/** What publish:github and publish:gitlab take, as Backstage's do. */
export interface RemotePublishInput {
  repoUrl: string;
  description?: string;
  defaultBranch?: string;
  repoVisibility?: 'private' | 'internal' | 'public';
  sourcePath?: string;
  gitCommitMessage?: string;
  gitAuthorName?: string;
  gitAuthorEmail?: string;
}

export function remotePublishSchema(repoUrlExample: string, example: { remoteUrl: string; repoContentsUrl: string }): { input: JsonSchema; output: JsonSchema } {
  return {
    input: {
      type: 'object',
      required: ['repoUrl'],
      // Backstage's versions take many more options (topics, protection rules…); they are accepted and ignored.
      additionalProperties: true,
      properties: {
        repoUrl: { type: 'string', description: repoUrlExample },
        description: { type: 'string' },
        defaultBranch: { type: 'string', description: 'Default: main' },
        repoVisibility: { enum: ['private', 'internal', 'public'], description: 'Default: private' },
        sourcePath: { type: 'string', description: 'Part of the workspace to publish; default: all of it' },
        gitCommitMessage: { type: 'string', description: 'Default: "Initial commit"' },
        gitAuthorName: { type: 'string' },
        gitAuthorEmail: { type: 'string' },
      },
    },
    output: {
      type: 'object',
      properties: {
        remoteUrl: { type: 'string', examples: [example.remoteUrl] },
        repoContentsUrl: { type: 'string', examples: [example.repoContentsUrl] },
        commitHash: { type: 'string', examples: ['0000000000000000000000000000000000000000'] },
      },
    },
  };
}

/** Calls a git host's REST API with a token; errors say which call failed and what the host said. */
export async function callHostApi<T>(host: string, url: string, init: { method?: string; headers: Record<string, string>; body?: unknown; signal: AbortSignal }): Promise<T> {
  const response = await fetch(url, {
    method: init.method ?? 'GET',
    headers: { accept: 'application/json', ...(init.body ? { 'content-type': 'application/json' } : {}), ...init.headers },
    body: init.body ? JSON.stringify(init.body) : undefined,
    signal: init.signal,
    redirect: 'error',
  });
  const text = await response.text();
  if (!response.ok) {
    let reason = text.slice(0, 300);
    try {
      reason = (JSON.parse(text) as { message?: string }).message ?? reason;
    } catch {
      // not JSON: keep the text
    }
    throw new Error(`${host}: ${init.method ?? 'GET'} ${new URL(url).pathname} answered ${response.status}: ${reason}`);
  }
  return JSON.parse(text) as T;
}

/** Who pushes the first commit: from the step's input, else the user running the template. */
export function commitAuthor(userRef: string, input: { gitAuthorName?: string; gitAuthorEmail?: string }) {
  const userName = userRef.replace(/^user:(default\/)?/, '');
  return { name: input.gitAuthorName ?? userName, email: input.gitAuthorEmail ?? `${userName}@paved.local` };
}

/** Pushes the workspace to a repository just created on a host, and sets the step's outputs. */
export async function pushToCreatedRepository(
  context: ActionContext<RemotePublishInput>,
  created: { cloneUrl: string; contentsUrl: (branch: string) => string; authorization: string },
): Promise<void> {
  const branch = context.input.defaultBranch ?? 'main';
  const { commit } = await pushDirectory(await context.workspace.folderOnDisk(context.input.sourcePath ?? '.', 'input.sourcePath'), created.cloneUrl, {
    branch,
    message: context.input.gitCommitMessage ?? 'Initial commit',
    author: commitAuthor(context.principal.userRef, context.input),
    authorization: created.authorization,
    signal: context.signal,
  });
  await context.log(`Pushed ${commit.slice(0, 12)} to ${branch}`);
  context.output('remoteUrl', created.cloneUrl);
  context.output('repoContentsUrl', created.contentsUrl(branch));
  context.output('commitHash', commit);
}
