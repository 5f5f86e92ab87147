import fs from 'node:fs/promises';
import path from 'node:path';
import { InvalidInputError } from '../../errors.js';
import { listFolderFiles } from './disk-workspace.js';
import type { DirectoryEntry } from './workspace.js';

/** What a fetch action's `url` names: a file or a folder of the template. */
export interface TemplateEntry {
  url: string;
  isDirectory: boolean;
}

/**
 * The files that come with a template (its skeletons), read by the fetch actions: from the
 * template's folder for a run, from the request for a dry run.
 */
export interface TemplateFiles {
  resolve(url: string): Promise<TemplateEntry & { key: string }>;
  /** The files of a folder entry, relative to it; a file entry lists only its own name. */
  list(entry: TemplateEntry & { key: string }): Promise<string[]>;
  read(entry: TemplateEntry & { key: string }, file: string): Promise<{ content: Buffer; mode: number }>;
}

/** Where a template's relative `url`s resolve on disk: the folder its file was read from. */
export interface TemplateSource {
  directory: string;
  /** Folders content may be fetched from; anything resolving outside them is refused. */
  allowedRoots: readonly string[];
}

function refuseRemote(url: string): void {
  if (/^[a-z][a-z0-9+.-]*:/i.test(url)) {
    throw new InvalidInputError('scaffolder.fetch_url_unsupported', `Cannot fetch ${url}: Paved fetches content from the template's own folder; use a relative url such as ./skeleton`, {
      path: 'input.url',
    });
  }
}

const outsideRoots = (url: string) => new InvalidInputError('scaffolder.path_outside_workspace', `${url} leads outside the folders templates may read from`, { path: 'input.url' });
const notFound = (url: string) => new InvalidInputError('scaffolder.fetch_not_found', `Nothing at ${url} next to the template`, { path: 'input.url' });

/** A template registered from a file location: content next to it, inside the allowed roots. */
export function diskTemplateFiles(source: TemplateSource): TemplateFiles {
  return {
    async resolve(url) {
      refuseRemote(url);
      const real = await fs.realpath(path.resolve(source.directory, url)).catch(() => {
        throw notFound(url);
      });
      const roots = await Promise.all(source.allowedRoots.map((root) => fs.realpath(root).catch(() => root)));
      if (!roots.some((root) => real === root || real.startsWith(root + path.sep))) throw outsideRoots(url);
      return { url, key: real, isDirectory: (await fs.stat(real)).isDirectory() };
    },
    list: async (entry) => (entry.isDirectory ? listFolderFiles(entry.key) : [path.basename(entry.key)]),
    async read(entry, file) {
      const absolute = entry.isDirectory ? path.join(entry.key, file) : entry.key;
      const [content, { mode }] = await Promise.all([fs.readFile(absolute), fs.stat(absolute)]);
      return { content, mode: mode & 0o777 };
    },
  };
}

/** A dry run's template files, sent with the request; paths checked as they come in. */
export function memoryTemplateFiles(entries: readonly DirectoryEntry[]): TemplateFiles {
  const files = new Map<string, { content: Buffer; mode: number }>();
  for (const [index, entry] of entries.entries()) {
    const key = path.posix.normalize(String(entry.path).split('\\').join('/'));
    if (path.posix.isAbsolute(key) || path.win32.isAbsolute(entry.path) || key === '..' || key.startsWith('../') || key === '.') {
      throw new InvalidInputError('scaffolder.path_outside_workspace', `directoryContents[${index}].path "${entry.path}" must be a relative path inside the template`, {
        path: `directoryContents[${index}].path`,
      });
    }
    files.set(key, { content: Buffer.from(entry.base64Content, 'base64'), mode: entry.executable ? 0o755 : 0o644 });
  }
  const folderFiles = (folder: string) => [...files.keys()].filter((key) => folder === '' || key.startsWith(`${folder}/`)).map((key) => (folder === '' ? key : key.slice(folder.length + 1)));
  return {
    async resolve(url) {
      refuseRemote(url);
      const key = path.posix.normalize(url.split('\\').join('/')).replace(/\/$/, '');
      if (path.posix.isAbsolute(key) || key === '..' || key.startsWith('../')) throw outsideRoots(url);
      const folder = key === '.' ? '' : key;
      if (files.has(folder)) return { url, key: folder, isDirectory: false };
      if (folderFiles(folder).length > 0) return { url, key: folder, isDirectory: true };
      throw notFound(url);
    },
    list: async (entry) => (entry.isDirectory ? folderFiles(entry.key).sort() : [path.posix.basename(entry.key)]),
    async read(entry, file) {
      return files.get(entry.isDirectory ? (entry.key === '' ? file : `${entry.key}/${file}`) : entry.key)!;
    },
  };
}

/** A template pushed through the API has no folder: fetching from it says so. */
export function noTemplateFiles(templateRef: string): TemplateFiles {
  const refuse = async (): Promise<never> => {
    throw new InvalidInputError('scaffolder.template_has_no_folder', `${templateRef} was not read from a folder, so there is nothing to fetch; register the template from a file location`);
  };
  return { resolve: refuse, list: refuse, read: refuse };
}
