import { open, realpath } from 'node:fs/promises';
import path from 'node:path';
import type { ReadOutcome } from './types.js';

export interface FileReadOptions {
  fileRoots: readonly string[];
  maxBytes: number;
}

/**
 * Reads a descriptor file as UTF-8, only if the file, symlinks resolved, lies inside one of the
 * allowed roots and is at most `maxBytes` long. Outside-root paths are refused before the file
 * system is asked anything, so the answer never tells whether a file exists elsewhere.
 */
export async function readFileWithinRoots(
  filePath: string,
  options: FileReadOptions,
): Promise<ReadOutcome> {
  const resolved = path.resolve(filePath);
  const roots = await realRoots(options.fileRoots);
  const outside: ReadOutcome = {
    ok: false,
    code: 'catalog.location_file_outside_roots',
    detail: `${resolved} is outside the catalog file roots (${options.fileRoots.join(', ') || 'none configured'}); move the file under a root or add its directory to PAVED_CATALOG_FILE_ROOTS`,
  };
  if (!isInsideRoots(resolved, roots.lexical)) return outside;

  let real: string;
  try {
    real = await realpath(resolved);
  } catch (error) {
    return ioFailure(resolved, error);
  }
  if (!isInsideRoots(real, roots.real)) {
    return { ...outside, detail: `${resolved} resolves to ${real}, which is outside the catalog file roots; symlinks may not lead out of a root` };
  }

  let handle;
  try {
    handle = await open(real, 'r');
  } catch (error) {
    return ioFailure(resolved, error);
  }
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) {
      return { ok: false, code: 'catalog.location_read_failed', detail: `${resolved} is not a regular file` };
    }
    if (stats.size > options.maxBytes) return tooLarge(resolved, options.maxBytes);
    // The file may grow between stat and read: read at most one byte past the limit to notice.
    const buffer = Buffer.allocUnsafe(Math.min(stats.size, options.maxBytes) + 1);
    let length = 0;
    while (length < buffer.length) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    if (length > options.maxBytes) return tooLarge(resolved, options.maxBytes);
    return { ok: true, text: buffer.toString('utf8', 0, length) };
  } catch (error) {
    return ioFailure(resolved, error);
  } finally {
    await handle.close();
  }
}

/** True when `candidate` is one of `roots` or below it; `/srv/cat` does not contain `/srv/catalog`. */
export function isInsideRoots(candidate: string, roots: readonly string[]): boolean {
  return roots.some((root) => {
    const relative = path.relative(root, candidate);
    return relative === '' || (relative !== '..' && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative));
  });
}

/** Both spellings of each root: as configured, and with its own symlinks resolved. */
export async function realRoots(fileRoots: readonly string[]): Promise<{ lexical: string[]; real: string[] }> {
  const lexical = fileRoots.map((root) => path.resolve(root));
  const real = await Promise.all(lexical.map((root) => realpath(root).catch(() => root)));
  return { lexical: [...new Set([...lexical, ...real])], real };
}

function tooLarge(file: string, maxBytes: number): ReadOutcome {
  return {
    ok: false,
    code: 'catalog.location_too_large',
    detail: `${file} is larger than the ${maxBytes}-byte limit; split it into several files or raise catalog.maxFileBytes`,
  };
}

function ioFailure(file: string, error: unknown): ReadOutcome {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ENOTDIR') {
    return { ok: false, code: 'catalog.location_not_found', detail: `${file} does not exist` };
  }
  return {
    ok: false,
    code: 'catalog.location_read_failed',
    detail: `${file} could not be read (${code ?? (error as Error).message})`,
  };
}
