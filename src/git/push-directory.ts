import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { InvalidInputError } from '../errors.js';
import { pavedGit } from './paved-git.js';

export interface PushDirectoryOptions {
  branch: string;
  message: string;
  author: { name: string; email: string };
  /** An `Authorization` header for an HTTPS remote; passed through the environment, never argv. */
  authorization?: string;
  signal?: AbortSignal;
}

export function validateBranch(branch: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._/-]{0,99}$/.test(branch) || branch.includes('..') || branch.endsWith('.lock') || branch.endsWith('/')) {
    throw new InvalidInputError('git.invalid_branch', `"${branch}" is not a valid branch name`, { path: 'branch' });
  }
  return branch;
}

function gitEnvironment(options: { author?: { name: string; email: string }; authorization?: string }): Record<string, string> {
  return {
    ...(options.author
      ? { GIT_AUTHOR_NAME: options.author.name, GIT_AUTHOR_EMAIL: options.author.email, GIT_COMMITTER_NAME: options.author.name, GIT_COMMITTER_EMAIL: options.author.email }
      : {}),
    ...(options.authorization ? { GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'http.extraHeader', GIT_CONFIG_VALUE_0: `Authorization: ${options.authorization}` } : {}),
  };
}

function gitWith(env: Record<string, string>, signal: AbortSignal | undefined) {
  return (args: string[]) => pavedGit(args, { env, signal });
}

/**
 * Commits every file of `sourceDirectory` as one commit on `branch` and pushes it to `remote`
 * (a URL). The history is built in a folder of its own, so the source gets no `.git`.
 */
export async function pushDirectory(sourceDirectory: string, remote: string, options: PushDirectoryOptions): Promise<{ commit: string }> {
  const gitDir = await fs.mkdtemp(path.join(os.tmpdir(), 'paved-push-'));
  const git = gitWith({ ...gitEnvironment(options), GIT_DIR: gitDir, GIT_WORK_TREE: sourceDirectory }, options.signal);
  try {
    await git(['init', '--quiet', `--initial-branch=${validateBranch(options.branch)}`]);
    await git(['add', '--all']);
    await git(['commit', '--quiet', '--allow-empty', '-m', options.message]);
    await git(['push', '--quiet', remote, `HEAD:refs/heads/${options.branch}`]);
    const { stdout } = await git(['rev-parse', 'HEAD']);
    return { commit: stdout.trim() };
  } finally {
    await fs.rm(gitDir, { recursive: true, force: true });
  }
}

/**
 * The same for a bare repository on this machine, without a push: the files are added to the
 * repository's object store through a scratch index, and the branch is created pointing at the
 * new commit. Creating (not moving) the branch means a concurrent push to it makes this fail
 * rather than be overwritten.
 */
export async function commitDirectoryToRepository(bareDirectory: string, sourceDirectory: string, options: Omit<PushDirectoryOptions, 'authorization'>): Promise<{ commit: string }> {
  const indexDir = await fs.mkdtemp(path.join(os.tmpdir(), 'paved-index-'));
  const git = gitWith({ ...gitEnvironment(options), GIT_DIR: bareDirectory, GIT_WORK_TREE: sourceDirectory, GIT_INDEX_FILE: path.join(indexDir, 'index') }, options.signal);
  try {
    await git(['add', '--all']);
    const tree = (await git(['write-tree'])).stdout.trim();
    const commit = (await git(['commit-tree', tree, '-m', options.message])).stdout.trim();
    await git(['update-ref', `refs/heads/${validateBranch(options.branch)}`, commit, '0'.repeat(40)]);
    return { commit };
  } finally {
    await fs.rm(indexDir, { recursive: true, force: true });
  }
}

/**
 * Copies one ref of a remote repository into a local bare one (a mirror), or removes it when
 * the remote deleted it. The token goes in a header through git's environment, never argv.
 */
export async function fetchRefInto(bareDirectory: string, remote: string, ref: string, options: { deleted: boolean; authorization?: string; signal?: AbortSignal }): Promise<void> {
  if (!/^refs\/(heads|tags)\/[A-Za-z0-9._/-]+$/.test(ref) || ref.includes('..')) {
    throw new InvalidInputError('git.invalid_revision', `"${ref}" is not a branch or tag ref`, { path: 'ref' });
  }
  const git = gitWith({ ...gitEnvironment({ authorization: options.authorization }), GIT_DIR: bareDirectory }, options.signal);
  if (options.deleted) await git(['update-ref', '-d', ref]);
  else await git(['fetch', '--quiet', '--no-tags', '--', remote, `+${ref}:${ref}`]);
}
