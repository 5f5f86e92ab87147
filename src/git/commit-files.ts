import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ConflictError, InvalidInputError } from '../errors.js';
import { validateBranch } from './push-directory.js';
import { pavedGit } from './paved-git.js';

const NO_COMMIT = '0'.repeat(40);

export interface FileToCommit {
  /** Relative to the repository's root, `/`-separated: `workloads/checkout/deployment.yaml`. */
  path: string;
  content: string;
}

export interface CommitFilesOptions {
  branch: string;
  message: string;
  author: { name: string; email: string };
  /** A folder (or file) removed before `files` are added, so it is replaced wholesale: stale files do not linger. */
  replacePrefix?: string;
  files: FileToCommit[];
  signal?: AbortSignal;
}

/** A plain relative path: no `..`, `.` or empty segment, not absolute, no control characters. */
export function validateRepositoryPath(value: string, field: string): string {
  const segments = value.split('/');
  // Control characters would break `update-index --index-info`'s line format, a backslash reads as a
  // separator on Windows checkouts, and a `.git` segment is git's own.
  if (value === '' || /[\u0000-\u001f\u007f\\]/.test(value) || segments.some((segment) => segment === '' || segment === '.' || segment === '..' || segment.toLowerCase() === '.git')) {
    throw new InvalidInputError('git.invalid_path', `"${value}" is not a plain relative path`, {
      path: field,
      hint: 'Use a relative path of `/`-separated names, without `.`, `..` or empty segments.',
    });
  }
  return value;
}

type Git = (args: string[], input?: string) => Promise<string>;

function gitIn(bareDirectory: string, indexFile: string, options: CommitFilesOptions): Git {
  const env = {
    GIT_DIR: bareDirectory,
    GIT_INDEX_FILE: indexFile,
    GIT_AUTHOR_NAME: options.author.name,
    GIT_AUTHOR_EMAIL: options.author.email,
    GIT_COMMITTER_NAME: options.author.name,
    GIT_COMMITTER_EMAIL: options.author.email,
    // A prefix is a path, never a glob: `workloads/a*` must not remove `workloads/api`.
    GIT_LITERAL_PATHSPECS: '1',
  };
  return async (args, input) => {
    const running = pavedGit(args, { env, signal: options.signal, maxBuffer: 16 * 1024 * 1024 });
    // A git that fails before reading its input closes the pipe; its exit status tells the story, not EPIPE.
    running.child.stdin?.on('error', () => {});
    running.child.stdin?.end(input);
    return (await running).stdout.trim();
  };
}

async function tipOf(git: Git, ref: string): Promise<string | undefined> {
  try {
    return await git(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]);
  } catch {
    return undefined;
  }
}

/** One attempt: build the tree on top of the tip read now, commit, and move the ref only if it still points there. */
async function commitOnce(git: Git, ref: string, options: CommitFilesOptions): Promise<{ commit: string | undefined; moved: boolean }> {
  const tip = await tipOf(git, ref);
  await git(tip ? ['read-tree', tip] : ['read-tree', '--empty']);
  if (options.replacePrefix !== undefined) await git(['rm', '--cached', '-r', '--quiet', '--ignore-unmatch', '--', options.replacePrefix]);
  const entries: string[] = [];
  for (const file of options.files) {
    const blob = await git(['hash-object', '-w', '--stdin'], file.content);
    entries.push(`100644 ${blob}\t${file.path}\n`);
  }
  // One update-index for every file, whatever their number (repeated --cacheinfo would grow argv).
  if (entries.length > 0) await git(['update-index', '--add', '--index-info'], entries.join(''));
  const tree = await git(['write-tree']);
  if (tip && tree === (await git(['rev-parse', `${tip}^{tree}`]))) return { commit: undefined, moved: true };
  const commit = await git(['commit-tree', tree, ...(tip ? ['-p', tip] : []), '-m', options.message]);
  try {
    // Compare-and-swap: the ref moves only if it still points at the tip this commit is built on.
    await git(['update-ref', ref, commit, tip ?? NO_COMMIT]);
    return { commit, moved: true };
  } catch (error) {
    if ((await tipOf(git, ref)) === tip) throw error;
    return { commit, moved: false };
  }
}

/**
 * Commits `files` onto `branch` of a bare repository on this machine, on top of the branch's
 * current tip (or as its first commit when the branch does not exist), without a work tree: the
 * tree is built in a scratch index. Returns `{ commit: undefined }` and makes no commit when the
 * resulting tree equals the tip's. A concurrent writer that moves the branch meanwhile is not
 * overwritten: the commit is rebuilt once on the new tip, and a second race is a ConflictError.
 * It does not authorize, record a push or run hooks; callers do what they need of those.
 */
export async function commitFilesToBranch(bareDirectory: string, options: CommitFilesOptions): Promise<{ commit: string | undefined }> {
  const ref = `refs/heads/${validateBranch(options.branch)}`;
  options.files.forEach((file, index) => validateRepositoryPath(file.path, `files[${index}].path`));
  if (options.replacePrefix !== undefined) validateRepositoryPath(options.replacePrefix, 'replacePrefix');
  const indexDirectory = await fs.mkdtemp(path.join(os.tmpdir(), 'paved-commit-'));
  try {
    for (let attempt = 1; attempt <= 2; attempt++) {
      const git = gitIn(bareDirectory, path.join(indexDirectory, `index-${attempt}`), options);
      const { commit, moved } = await commitOnce(git, ref, options);
      if (moved) return { commit };
    }
    throw new ConflictError('git.concurrent_update', `Branch ${options.branch} kept moving while committing; try again`, { path: 'branch' });
  } finally {
    await fs.rm(indexDirectory, { recursive: true, force: true });
  }
}
