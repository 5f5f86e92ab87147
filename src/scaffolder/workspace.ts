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

/**
 * The folder a template run writes into. Every path an action touches goes through `resolve`,
 * so `../`, absolute paths and symbolic links cannot reach outside it.
 */
export class Workspace {
  constructor(
    readonly root: string,
    readonly limits: WorkspaceLimits,
  ) {}

  /** The absolute path of `relative` inside the workspace; refuses anything that escapes it. */
  async resolve(relative: string, what = 'path'): Promise<string> {
    return resolveInside(this.root, relative, what);
  }

  /** Refuses to grow past the limits, counting what is already there. */
  async checkLimits(): Promise<void> {
    const files = await listFiles(this.root);
    let bytes = 0;
    for (const file of files) bytes += (await fs.stat(path.join(this.root, file))).size;
    if (files.length > this.limits.maxFiles) {
      throw new InvalidInputError('scaffolder.output_too_large', `The template wrote ${files.length} files; the limit is ${this.limits.maxFiles}`);
    }
    if (bytes > this.limits.maxBytes) {
      throw new InvalidInputError('scaffolder.output_too_large', `The template wrote ${bytes} bytes; the limit is ${this.limits.maxBytes}`);
    }
  }

  /** Every file, as the dry-run API returns them. */
  async serialize(): Promise<DirectoryEntry[]> {
    const entries: DirectoryEntry[] = [];
    for (const file of await listFiles(this.root)) {
      const absolute = path.join(this.root, file);
      const [content, stat] = await Promise.all([fs.readFile(absolute), fs.stat(absolute)]);
      entries.push({ path: file, base64Content: content.toString('base64'), executable: (stat.mode & 0o111) !== 0 });
    }
    return entries;
  }
}

/** Resolves `relative` under `root`, refusing absolute paths, `..` escapes and symlinked parents. */
export async function resolveInside(root: string, relative: string, what: string): Promise<string> {
  if (typeof relative !== 'string' || path.isAbsolute(relative) || /^[a-zA-Z]:/.test(relative)) {
    throw new InvalidInputError('scaffolder.path_outside_workspace', `${what} "${relative}" must be a relative path inside the workspace`, { path: what });
  }
  const absolute = path.resolve(root, relative);
  const fromRoot = path.relative(root, absolute);
  if (fromRoot.startsWith('..') || path.isAbsolute(fromRoot)) {
    throw new InvalidInputError('scaffolder.path_outside_workspace', `${what} "${relative}" points outside the workspace`, { path: what });
  }
  // A symbolic link on the way (made by an earlier step) could still lead outside.
  const realRoot = await fs.realpath(root);
  let existing = absolute;
  while (existing !== root && !(await exists(existing))) existing = path.dirname(existing);
  const real = await fs.realpath(existing);
  const realFromRoot = path.relative(realRoot, real);
  if (realFromRoot.startsWith('..') || path.isAbsolute(realFromRoot)) {
    throw new InvalidInputError('scaffolder.path_outside_workspace', `${what} "${relative}" goes through a link that leads outside the workspace`, { path: what });
  }
  return absolute;
}

/** Writes dry-run directory contents to `root`, each path checked. */
export async function writeDirectoryContents(root: string, entries: readonly DirectoryEntry[]): Promise<void> {
  for (const [index, entry] of entries.entries()) {
    const target = await resolveInside(root, entry.path, `directoryContents[${index}].path`);
    await fs.mkdir(path.dirname(target), { recursive: true });
    await fs.writeFile(target, Buffer.from(entry.base64Content, 'base64'), { mode: entry.executable ? 0o755 : 0o644 });
  }
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

async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(
    () => true,
    () => false,
  );
}
