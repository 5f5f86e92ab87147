import { chmod, lstat, mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { DriverError, type DriverResult, type ResourceDriver, assertResourceKey } from './driver.js';

export interface DirectoryDriverOptions {
  /** The folder that holds one directory per resource, e.g. `<dataDir>/volumes`. */
  root: string;
}

/**
 * A directory per resource key under `root`, readable by Paved's user alone: a Score `volume`
 * on the local runtime. Delete removes it with everything the workload wrote there.
 */
export function createDirectoryDriver(options: DirectoryDriverOptions): ResourceDriver {
  const root = path.resolve(options.root);

  /** The key alone picks the directory: state handed back to delete cannot point elsewhere. */
  function directoryOf(key: unknown): string {
    assertResourceKey(key);
    return path.join(root, key);
  }

  return {
    name: 'directory',

    async create({ key, signal }): Promise<DriverResult> {
      const directory = directoryOf(key);
      signal?.throwIfAborted();
      await mkdir(root, { recursive: true, mode: 0o700 });
      await mkdir(directory, { mode: 0o700 }).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'EEXIST') throw error;
      });
      // A symbolic link planted at the path would hand the workload another folder.
      if (!(await lstat(directory)).isDirectory()) {
        throw new DriverError('delivery.driver_conflict', `${directory} exists and is not a directory; remove it or choose another resource name`);
      }
      // mkdir's mode passes through the umask, and a directory kept from before may have another.
      await chmod(directory, 0o700);
      return {
        state: { key },
        outputs: { source: key, path: directory },
        secretOutputs: [],
      };
    },

    async delete(state, signal) {
      const directory = directoryOf(state.key);
      signal?.throwIfAborted();
      // rm removes a symbolic link itself, never what it points to; force: gone is fine.
      await rm(directory, { recursive: true, force: true });
    },

    async close() {},
  };
}
