import fs from 'node:fs/promises';
import path from 'node:path';
import { InvalidInputError } from '../../errors.js';
import { type DirectoryEntry, type Workspace, type WorkspaceLimits, checkWorkspaceLimits, mapConcurrently, normalizeRelative } from './workspace.js';

/**
 * A workspace folder on disk, for real runs. On top of the lexical checks, a path must not go
 * through a symbolic link that leads outside; a folder found to be inside is remembered, so
 * many files of one folder cost one `realpath`. One instance serves one step, during which
 * only that step's action changes the folder.
 */
export class DiskWorkspace implements Workspace {
  private realRoot: Promise<string> | undefined;
  private readonly insideFolders = new Set<string>();
  private readonly createdFolders = new Map<string, Promise<unknown>>();

  constructor(
    readonly root: string,
    readonly limits: WorkspaceLimits,
  ) {}

  async writeFile(relative: string, content: Buffer | string, options: { what: string; mode?: number; overwrite: boolean }): Promise<boolean> {
    const target = await this.resolve(relative, options.what);
    const folder = path.dirname(target);
    if (!this.createdFolders.has(folder)) this.createdFolders.set(folder, fs.mkdir(folder, { recursive: true }));
    await this.createdFolders.get(folder);
    try {
      // `wx` fails on an existing file: that is how existing files are kept.
      await fs.writeFile(target, content, { mode: options.mode ?? 0o644, flag: options.overwrite ? 'w' : 'wx' });
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      return false;
    }
  }

  async readFile(relative: string, what: string): Promise<Buffer> {
    return fs.readFile(await this.resolve(relative, what));
  }

  async exists(relative: string, what: string): Promise<boolean> {
    return (await fs.stat(await this.resolve(relative, what)).catch(() => undefined)) !== undefined;
  }

  async remove(relative: string, what: string): Promise<void> {
    await fs.rm(await this.resolve(relative, what), { recursive: true, force: true });
  }

  async rename(from: string, to: string, what: { from: string; to: string }): Promise<void> {
    const [source, target] = [await this.resolve(from, what.from), await this.resolve(to, what.to)];
    await fs.mkdir(path.dirname(target), { recursive: true });
    await fs.rename(source, target);
  }

  listFiles(): Promise<string[]> {
    return listFolderFiles(this.root);
  }

  async checkLimits(): Promise<void> {
    const files = await this.listFiles();
    checkWorkspaceLimits(files.length, 0, this.limits);
    const sizes = await mapConcurrently(files, async (file) => (await fs.stat(path.join(this.root, file))).size);
    checkWorkspaceLimits(files.length, sizes.reduce((sum, size) => sum + size, 0), this.limits);
  }

  async serialize(): Promise<DirectoryEntry[]> {
    return mapConcurrently(await this.listFiles(), async (file) => {
      const absolute = path.join(this.root, file);
      const [content, stat] = await Promise.all([fs.readFile(absolute), fs.stat(absolute)]);
      return { path: file, base64Content: content.toString('base64'), executable: (stat.mode & 0o111) !== 0 };
    });
  }

  folderOnDisk(relative: string, what: string): Promise<string> {
    return this.resolve(relative, what);
  }

  private async resolve(relative: string, what: string): Promise<string> {
    const absolute = path.join(this.root, normalizeRelative(relative, what));
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
    const fromRoot = path.relative(await this.realRoot, real);
    if (fromRoot.startsWith('..') || path.isAbsolute(fromRoot)) {
      throw new InvalidInputError('scaffolder.path_outside_workspace', `${what} "${relative}" goes through a link that leads outside the workspace`, { path: what });
    }
    this.insideFolders.add(folder);
    return absolute;
  }
}

/** Relative paths of every regular file under `root`, sorted; refuses symbolic links. */
export async function listFolderFiles(root: string): Promise<string[]> {
  const files: string[] = [];
  for (const entry of await fs.readdir(root, { recursive: true, withFileTypes: true })) {
    const relative = path.relative(root, path.join(entry.parentPath, entry.name)).split(path.sep).join('/');
    if (entry.isSymbolicLink()) {
      throw new InvalidInputError('scaffolder.symlink_refused', `${relative} is a symbolic link; templates and workspaces may not contain links`, { file: relative });
    }
    if (entry.isFile() && !relative.startsWith('.git/')) files.push(relative);
  }
  return files.sort();
}
