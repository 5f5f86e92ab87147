import path from 'node:path';
import { InvalidInputError } from '../../errors.js';

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
 * The files a template run writes. Actions touch them only through this interface, which
 * checks every path (no `../`, no absolute paths, no links leading out). A run keeps them on
 * disk (`DiskWorkspace`), since git must read them; a dry run keeps them in memory
 * (`MemoryWorkspace`), since nothing outside Paved does.
 */
export interface Workspace {
  readonly limits: WorkspaceLimits;
  /** Writes a file; with `overwrite: false` an existing file is kept and `false` returned. */
  writeFile(relative: string, content: Buffer | string, options: { what: string; mode?: number; overwrite: boolean }): Promise<boolean>;
  readFile(relative: string, what: string): Promise<Buffer>;
  /** Whether a file or folder is there. */
  exists(relative: string, what: string): Promise<boolean>;
  /** Removes a file or a whole folder; nothing there is fine. */
  remove(relative: string, what: string): Promise<void>;
  /** Moves a file or folder; the target's folders are created. */
  rename(from: string, to: string, what: { from: string; to: string }): Promise<void>;
  /** Every file's relative path (`/`-separated), sorted. */
  listFiles(): Promise<string[]>;
  /** Refuses to grow past the limits, counting everything written so far. */
  checkLimits(): Promise<void>;
  serialize(): Promise<DirectoryEntry[]>;
  /** A folder on disk holding the files under `relative`, for programs that read folders (git). */
  folderOnDisk(relative: string, what: string): Promise<string>;
}

/**
 * `relative` as a clean `/`-separated path inside the workspace ('' for its root); refuses
 * absolute paths and anything that climbs out of it.
 */
export function normalizeRelative(relative: string, what: string): string {
  if (typeof relative !== 'string' || path.posix.isAbsolute(relative) || path.win32.isAbsolute(relative)) {
    throw new InvalidInputError('scaffolder.path_outside_workspace', `${what} "${relative}" must be a relative path inside the workspace`, { path: what });
  }
  const normalized = path.posix.normalize(relative.split('\\').join('/'));
  if (normalized === '..' || normalized.startsWith('../')) {
    throw new InvalidInputError('scaffolder.path_outside_workspace', `${what} "${relative}" points outside the workspace`, { path: what });
  }
  return normalized === '.' || normalized === './' ? '' : normalized.replace(/\/$/, '');
}

export function checkWorkspaceLimits(fileCount: number, bytes: number, limits: WorkspaceLimits): void {
  if (fileCount > limits.maxFiles) {
    throw new InvalidInputError('scaffolder.output_too_large', `The template wrote ${fileCount} files; the limit is ${limits.maxFiles}`);
  }
  if (bytes > limits.maxBytes) {
    throw new InvalidInputError('scaffolder.output_too_large', `The template wrote ${bytes} bytes; the limit is ${limits.maxBytes}`);
  }
}

/** File operations run this many at a time: enough to keep libuv's threads busy. */
const IO_CONCURRENCY = 16;

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
