import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { InvalidInputError, NotFoundError } from '../errors.js';

const run = promisify(execFile);
const ZERO = '0000000000000000000000000000000000000000';
const FIELD = '\x1f';
const RECORD = '\x1e';

export interface Commit {
  id: string;
  author: string;
  email: string;
  time: string;
  message: string;
}

async function git(directory: string, args: string[]): Promise<string> {
  const { stdout } = await run('git', ['-C', directory, ...args], { maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}

/** Every ref of a repository with the commit it points at. */
export async function readRefs(directory: string): Promise<Map<string, string>> {
  const output = await git(directory, ['for-each-ref', '--format=%(refname) %(objectname)']);
  return new Map(output.split('\n').filter(Boolean).map((line) => line.split(' ') as [string, string]));
}

/** Commits reachable from `after` but not from `before` (all of them for a new ref), newest first. */
export async function commitsBetween(directory: string, before: string, after: string, limit = 1000): Promise<Commit[]> {
  if (after === ZERO) return [];
  const range = before === ZERO ? [after] : [`${before}..${after}`];
  return parseLog(await git(directory, ['log', `--max-count=${limit}`, `--format=%H${FIELD}%an${FIELD}%ae${FIELD}%aI${FIELD}%s${RECORD}`, ...range]));
}

function parseLog(output: string): Commit[] {
  return output
    .split(RECORD)
    .map((record) => record.trim())
    .filter(Boolean)
    .map((record) => {
      const [id = '', author = '', email = '', time = '', message = ''] = record.split(FIELD);
      return { id, author, email, time, message };
    });
}

/** A branch, tag or commit id as the user typed it, checked before it reaches git. */
function revision(value: string): string {
  if (!/^[A-Za-z0-9._/-]{1,200}$/.test(value) || value.startsWith('-') || value.includes('..')) {
    throw new InvalidInputError('git.invalid_revision', `"${value}" is not a branch, tag or commit id`, { path: 'ref' });
  }
  return value;
}

function filePath(value: string): string {
  if (value.startsWith('/') || value.split('/').includes('..')) throw new InvalidInputError('git.invalid_path', `"${value}" is not a path inside the repository`, { path: 'path' });
  return value;
}

export async function listBranches(directory: string): Promise<{ name: string; commit: string }[]> {
  const output = await git(directory, ['for-each-ref', '--format=%(refname:short) %(objectname)', 'refs/heads']);
  return output.split('\n').filter(Boolean).map((line) => {
    const [name = '', commit = ''] = line.split(' ');
    return { name, commit };
  });
}

export async function readLog(directory: string, ref: string, limit: number): Promise<Commit[]> {
  try {
    return parseLog(await git(directory, ['log', `--max-count=${limit}`, `--format=%H${FIELD}%an${FIELD}%ae${FIELD}%aI${FIELD}%s${RECORD}`, revision(ref), '--']));
  } catch (error) {
    if (error instanceof InvalidInputError) throw error;
    throw new NotFoundError('git.revision_not_found', `No branch, tag or commit ${ref}`);
  }
}

export async function readTree(directory: string, ref: string, path: string): Promise<{ name: string; type: 'file' | 'directory'; size: number | null }[]> {
  const spec = path ? `${revision(ref)}:${filePath(path)}` : `${revision(ref)}:`;
  let output: string;
  try {
    output = await git(directory, ['ls-tree', '-l', spec]);
  } catch {
    throw new NotFoundError('git.path_not_found', `No directory ${path || '/'} at ${ref}`);
  }
  return output.split('\n').filter(Boolean).map((line) => {
    const [meta = '', name = ''] = line.split('\t');
    const [, type, , size] = meta.split(/\s+/);
    return { name, type: type === 'tree' ? 'directory' : 'file', size: size === '-' || size === undefined ? null : Number(size) };
  });
}

export async function readFile(directory: string, ref: string, path: string): Promise<Buffer> {
  try {
    const { stdout } = await run('git', ['-C', directory, 'cat-file', 'blob', `${revision(ref)}:${filePath(path)}`], { encoding: 'buffer', maxBuffer: 16 * 1024 * 1024 });
    return stdout;
  } catch (error) {
    if (error instanceof InvalidInputError) throw error;
    throw new NotFoundError('git.path_not_found', `No file ${path} at ${ref}`);
  }
}

export { ZERO as NO_COMMIT };
