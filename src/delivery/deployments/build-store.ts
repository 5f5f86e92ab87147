import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { pavedGit } from '../../git/index.js';

const run = promisify(execFile);
const PARTIAL = '.partial-';
const RETIRED = '.retired-';

/**
 * What Score's `image: .` means on the local runtime: the repository at a commit, as its
 * pipeline built it (`<dataDir>/delivery/builds/<namespace>/<name>/<commit>`). A pipeline's
 * deploy step saves its job's folder here; a commit never built by a pipeline is exported from
 * git as it is.
 */
export function createBuildStore(root: string) {
  const folderOf = (repository: string, commit: string) => path.join(root, ...repository.split('/'), commit);

  /**
   * Moves a finished folder into place at once, so a reader never sees half a build. A build it
   * replaces (the same commit built again) is renamed aside, not deleted: an instance may be
   * running from it, and a renamed folder stays valid as its working directory and mount.
   */
  async function install(repository: string, commit: string, fill: (folder: string) => Promise<void>): Promise<string> {
    const destination = folderOf(repository, commit);
    const stamp = `${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
    const scratch = `${destination}${PARTIAL}${stamp}`;
    await fs.mkdir(path.dirname(destination), { recursive: true });
    try {
      await fill(scratch);
      await fs.rename(destination, `${destination}${RETIRED}${stamp}`).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT') throw error;
      });
      await fs.rename(scratch, destination);
    } finally {
      await fs.rm(scratch, { recursive: true, force: true });
    }
    return destination;
  }

  return {
    folderOf,

    /** Removes replaced and unfinished builds; only safe before any instance runs (at start). */
    async sweepRetired(): Promise<number> {
      // Builds sit at <root>/<namespace>/<name>/<commit>: only that level is read, not their files.
      const children = async (folder: string) => (await fs.readdir(folder).catch(() => [])).map((name) => path.join(folder, name));
      const repositories = (await Promise.all((await children(root)).map(children))).flat();
      const leftovers = (await Promise.all(repositories.map(children))).flat().filter((folder) => path.basename(folder).includes(RETIRED) || path.basename(folder).includes(PARTIAL));
      for (const folder of leftovers) await fs.rm(folder, { recursive: true, force: true });
      return leftovers.length;
    },

    async has(repository: string, commit: string): Promise<boolean> {
      return fs.stat(folderOf(repository, commit)).then(
        () => true,
        () => false,
      );
    },

    /** Keeps a pipeline job's folder (its checkout after the build steps) as the build of the commit. */
    async saveFrom(repository: string, commit: string, folder: string): Promise<string> {
      return install(repository, commit, (scratch) => fs.cp(folder, scratch, { recursive: true, verbatimSymlinks: true, filter: (source) => path.basename(source) !== '.git' }));
    },

    /** The commit's files straight from the bare repository, unbuilt. */
    async exportSource(repository: string, commit: string, bareDirectory: string, signal?: AbortSignal): Promise<string> {
      return install(repository, commit, async (scratch) => {
        await fs.mkdir(scratch, { recursive: true });
        const archive = path.join(path.dirname(scratch), `${path.basename(scratch)}.tar`);
        try {
          await pavedGit(['--git-dir', bareDirectory, 'archive', '--format=tar', '-o', archive, commit], { signal });
          await run('tar', ['-xf', archive, '-C', scratch], { signal });
        } finally {
          await fs.rm(archive, { force: true });
        }
      });
    },
  };
}

export type BuildStore = ReturnType<typeof createBuildStore>;
