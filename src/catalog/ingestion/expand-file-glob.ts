import type { Dirent } from 'node:fs';
import { readdir, realpath } from 'node:fs/promises';
import path from 'node:path';
import { isInsideRoots, realRoots } from './read-file.js';

export type GlobExpansion = { ok: true; files: string[] } | { ok: false; code: string; detail: string };

/** A `file` target is a glob when it uses `*`, `?` or `{a,b}`. */
export function isGlob(target: string): boolean {
  return /[*?{]/.test(target);
}

/**
 * Lists, sorted, the files an absolute glob such as `/srv/catalog/components/*.yaml` matches:
 * `*` and `?` within one path segment, `**` across any number of directories, `{a,b}`
 * alternatives. Names starting with a dot match only a segment that starts with one. The walk
 * starts at the glob's fixed prefix, which must lie inside a file root, and never follows a
 * symlinked directory (so it cannot loop or leave the root); symlinked files are listed, and
 * reading them checks where they lead.
 */
export async function expandFileGlob(pattern: string, fileRoots: readonly string[]): Promise<GlobExpansion> {
  const parts = path.resolve(pattern).split(path.sep);
  const firstMagic = parts.findIndex((part) => isGlob(part));
  const base = parts.slice(0, firstMagic).join(path.sep) || path.sep;
  const roots = await realRoots(fileRoots);
  const outside: GlobExpansion = {
    ok: false,
    code: 'catalog.location_file_outside_roots',
    detail: `the glob ${pattern} starts at ${base}, outside the catalog file roots; glob only below a root listed in PAVED_CATALOG_FILE_ROOTS`,
  };
  if (!isInsideRoots(base, roots.lexical)) return outside;
  try {
    if (!isInsideRoots(await realpath(base), roots.real)) return outside;
  } catch {
    return { ok: true, files: [] };
  }

  const matchers = parts.slice(firstMagic).map(compileSegment);
  const files = new Set<string>();

  const walk = async (dir: string, index: number): Promise<void> => {
    const matcher = matchers[index];
    if (!matcher) return;
    const last = index === matchers.length - 1;
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    if (matcher === '**') {
      if (!last) await walk(dir, index + 1);
      for (const entry of entries) {
        if (entry.name.startsWith('.')) continue;
        const child = path.join(dir, entry.name);
        if (entry.isDirectory()) await walk(child, index);
        else if (last && (entry.isFile() || entry.isSymbolicLink())) files.add(child);
      }
      return;
    }
    for (const entry of entries) {
      if (!matcher.test(entry.name)) continue;
      const child = path.join(dir, entry.name);
      if (last && (entry.isFile() || entry.isSymbolicLink())) files.add(child);
      else if (!last && entry.isDirectory()) await walk(child, index + 1);
    }
  };

  await walk(base, 0);
  return { ok: true, files: [...files].sort() };
}

function compileSegment(segment: string): '**' | RegExp {
  if (segment === '**') return '**';
  let source = segment.startsWith('.') ? '' : '(?!\\.)';
  let inBraces = false;
  for (const char of segment) {
    if (char === '*') source += '.*';
    else if (char === '?') source += '.';
    else if (char === '{' && !inBraces) [source, inBraces] = [`${source}(?:`, true];
    else if (char === '}' && inBraces) [source, inBraces] = [`${source})`, false];
    else if (char === ',' && inBraces) source += '|';
    else source += char.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');
  }
  return new RegExp(`^${source}${inBraces ? ')' : ''}$`);
}
