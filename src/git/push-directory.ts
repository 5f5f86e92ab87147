import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { InvalidInputError } from '../errors.js';

const run = promisify(execFile);

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

/**
 * Commits every file of `sourceDirectory` as one commit on `branch` and pushes it to `remote`
 * (a path or a URL). The history is built in a folder of its own, so the source gets no `.git`.
 */
export async function pushDirectory(sourceDirectory: string, remote: string, options: PushDirectoryOptions): Promise<{ commit: string }> {
  const gitDir = await fs.mkdtemp(path.join(os.tmpdir(), 'paved-push-'));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    GIT_DIR: gitDir,
    GIT_WORK_TREE: sourceDirectory,
    GIT_AUTHOR_NAME: options.author.name,
    GIT_AUTHOR_EMAIL: options.author.email,
    GIT_COMMITTER_NAME: options.author.name,
    GIT_COMMITTER_EMAIL: options.author.email,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_TERMINAL_PROMPT: '0',
    ...(options.authorization ? { GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'http.extraHeader', GIT_CONFIG_VALUE_0: `Authorization: ${options.authorization}` } : {}),
  };
  const git = (args: string[]) => run('git', ['-c', 'commit.gpgsign=false', '-c', 'core.hooksPath=/dev/null', ...args], { env, signal: options.signal });
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
