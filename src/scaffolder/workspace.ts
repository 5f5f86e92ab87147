import fs from 'node:fs/promises';
import path from 'node:path';
import { InvalidInputError } from '../errors.js';

/** Limits on what a template run may write. */
export interface WorkspaceLimits {
  maxBytes: number;
  maxFiles: number;
}

/** One file as Backstage's dry-run API carries it. */
export interface DirectoryEntry {
  path: string;
  base64Content: string;
  executable: boolean;
}

/** File operations run this many at a time: enough to keep libuv's threads busy. */
const IO_CONCURRENCY = 16;

/**
 * The folder a template run writes into. Every path an action touches goes through `resolve`,
 * so `../`, absolute paths and symbolic links cannot reach outside it. One instance serves one
 * step, during which only that step's action changes the folder.
 */
export class Workspace {
  private readonly guard: FolderGuard;

  constructor(
    readonly root: string,
    readonly limits: WorkspaceLimits,
  ) {
    this.guard = new FolderGuard(root);
  }

  /** The absolute path of `relative` inside the workspace; refuses anything that escapes it. */
  async resolve(relative: string, what = 'path'): Promise<string> {
    return this.guard.resolve(relative, what);
  }

  /** Refuses to grow past the limits, counting what is already there. */
  async checkLimits(): Promise<void> {
    const files = await listFiles(this.root);
    if (files.length > this.limits.maxFiles) {
      throw new InvalidInputError('scaffolder.output_too_large', `The template wrote ${files.length} files; the limit is ${this.limits.maxFiles}`);
    }
    const sizes = await mapConcurrently(files, async (file) => (await fs.stat(path.join(this.root, file))).size);
    const bytes = sizes.reduce((sum, size) => sum + size, 0);
    if (bytes > this.limits.maxBytes) {
      throw new InvalidInputError('scaffolder.output_too_large', `The template wrote ${bytes} bytes; the limit is ${this.limits.maxBytes}`);
    }
  }

  /** Every file, as the dry-run API returns them. */
  async serialize(): Promise<DirectoryEntry[]> {
    return mapConcurrently(await listFiles(this.root), async (file) => {
      const absolute = path.join(this.root, file);
      const [content, stat] = await Promise.all([fs.readFile(absolute), fs.stat(absolute)]);
      return { path: file, base64Content: content.toString('base64'), executable: (stat.mode & 0o111) !== 0 };
    });
  }
}

/**
 * Resolves relative paths under a root: no absolute paths, no `..` escapes, and no symbolic
 * link on the way that leads outside. A folder found to be inside is remembered, so checking
 * many files of one folder costs one `realpath`.
 */
class FolderGuard {
  private realRoot: Promise<string> | undefined;
  private readonly insideFolders = new Set<string>();

  constructor(private readonly root: string) {}

  async resolve(relative: string, what: string): Promise<string> {
    if (typeof relative !== 'string' || path.isAbsolute(relative) || /^[a-zA-Z]:/.test(relative)) {
      throw new InvalidInputError('scaffolder.path_outside_workspace', `${what} "${relative}" must be a relative path inside the workspace`, { path: what });
    }
    const absolute = path.resolve(this.root, relative);
    if (!isWithin(this.root, absolute)) {
      throw new InvalidInputError('scaffolder.path_outside_workspace', `${what} "${relative}" points outside the workspace`, { path: what });
    }
    const folder = path.dirname(absolute);
    if (this.insideFolders.has(folder)) return absolute;
    this.realRoot ??= fs.realpath(this.root);
    // The nearest existing folder on the way decides: what is created under it stays under it.
    let existing = absolute;
    let real: string | undefined;
    while (real === undefined) {
      real = await fs.realpath(existing).catch(() => undefined);
      if (real === undefined) existing = path.dirname(existing);
    }
    if (!isWithin(await this.realRoot, real)) {
      throw new InvalidInputError('scaffolder.path_outside_workspace', `${what} "${relative}" goes through a link that leads outside the workspace`, { path: what });
    }
    this.insideFolders.add(folder);
    return absolute;
  }
}

function isWithin(root: string, candidate: string): boolean {
  const fromRoot = path.relative(root, candidate);
  return !fromRoot.startsWith('..') && !path.isAbsolute(fromRoot);
}

/** Resolves `relative` under `root` once; see FolderGuard. */
export async function resolveInside(root: string, relative: string, what: string): Promise<string> {
  return new FolderGuard(root).resolve(relative, what);
}

/** Writes dry-run directory contents to `root` (a fresh folder), each path checked first. */
export async function writeDirectoryContents(root: string, entries: readonly DirectoryEntry[]): Promise<void> {
  const guard = new FolderGuard(root);
  const targets: string[] = [];
  for (const [index, entry] of entries.entries()) targets.push(await guard.resolve(entry.path, `directoryContents[${index}].path`));
  await Promise.all([...new Set(targets.map((target) => path.dirname(target)))].map((folder) => fs.mkdir(folder, { recursive: true })));
  await mapConcurrently(entries, (entry, index) => fs.writeFile(targets[index]!, Buffer.from(entry.base64Content, 'base64'), { mode: entry.executable ? 0o755 : 0o644 }));
}

/** Relative paths of every regular file under `root`, sorted; refuses symbolic links. */
export async function listFiles(root: string): Promise<string[]> {
  const files: string[] = [];
  for (const entry of await fs.readdir(root, { recursive: true, withFileTypes: true })) {
    const absolute = path.join(entry.parentPath, entry.name);
    const relative = path.relative(root, absolute).split(path.sep).join('/');
    if (entry.isSymbolicLink()) {
      throw new InvalidInputError('scaffolder.symlink_refused', `${relative} is a symbolic link; templates and workspaces may not contain links`, { file: relative });
    }
    if (entry.isFile() && !relative.startsWith('.git/')) files.push(relative);
  }
  return files.sort();
}

/** `items.map(work)` with at most IO_CONCURRENCY running at once; results in order. */
export async function mapConcurrently<T, R>(items: readonly T[], work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(IO_CONCURRENCY, items.length) }, worker));
  return results;
}
