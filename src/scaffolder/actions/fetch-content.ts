import fs from 'node:fs/promises';
import path from 'node:path';
import { isBinaryFile } from 'isbinaryfile';
import picomatch from 'picomatch';
import { InvalidInputError } from '../../errors.js';
import { createSecureEnvironment } from '../render/secure-nunjucks.js';
import { listFiles, mapConcurrently } from '../workspace.js';
import type { ActionContext, TemplateSource } from './action.js';

/**
 * The file or folder a fetch action's `url` names, next to the template. Remote URLs are not
 * fetched yet: a template's content lives beside its `template.yaml`.
 */
export async function resolveSource(source: TemplateSource, url: string): Promise<{ absolute: string; isDirectory: boolean }> {
  if (/^[a-z][a-z0-9+.-]*:/i.test(url)) {
    throw new InvalidInputError('scaffolder.fetch_url_unsupported', `Cannot fetch ${url}: Paved fetches content from the template's own folder; use a relative url such as ./skeleton`, {
      path: 'input.url',
    });
  }
  const absolute = path.resolve(source.directory, url);
  const real = await fs.realpath(absolute).catch(() => {
    throw new InvalidInputError('scaffolder.fetch_not_found', `Nothing at ${url} next to the template (${absolute})`, { path: 'input.url' });
  });
  const roots = await Promise.all(source.allowedRoots.map((root) => fs.realpath(root).catch(() => root)));
  if (!roots.some((root) => real === root || real.startsWith(root + path.sep))) {
    throw new InvalidInputError('scaffolder.path_outside_workspace', `${url} leads outside the folders templates may read from`, { path: 'input.url' });
  }
  return { absolute: real, isDirectory: (await fs.stat(real)).isDirectory() };
}

export interface TemplatingOptions {
  values: Record<string, unknown>;
  cookiecutterCompat?: boolean;
  /** Only files with this extension are rendered (and lose it); `true` means `.njk`. */
  templateFileExtension?: boolean | string;
  copyWithoutTemplating?: string[];
  /** Replace files that already exist in the workspace (otherwise they are kept). */
  replace?: boolean;
}

/**
 * Copies `sourceDir` into the workspace at `targetPath`, rendering names and contents with
 * `templating` (or copying them as they are without it). Binary files are copied; symbolic
 * links in the skeleton are refused; a rendering error names the file and line.
 */
export async function copyTree(
  context: ActionContext<unknown>,
  from: { absolute: string; isDirectory: boolean; url: string },
  targetPath: string,
  templating: TemplatingOptions | undefined,
): Promise<number> {
  const files = from.isDirectory ? await listFiles(from.absolute) : [path.basename(from.absolute)];
  const baseDir = from.isDirectory ? from.absolute : path.dirname(from.absolute);
  const environment = templating ? createSecureEnvironment({ cookiecutterCompat: templating.cookiecutterCompat }) : undefined;
  const renderContext = templating ? (templating.cookiecutterCompat ? { cookiecutter: templating.values } : { values: templating.values }) : {};
  const verbatim = picomatch(templating?.copyWithoutTemplating ?? [], { dot: true });
  const extension = templating?.templateFileExtension === true ? '.njk' : templating?.templateFileExtension || undefined;
  const folders = new Map<string, Promise<unknown>>();
  const outcomes = await mapConcurrently(files, async (file) => {
    const sourceFile = path.join(baseDir, file);
    const [content, { mode }] = await Promise.all([fs.readFile(sourceFile), fs.stat(sourceFile)]);
    const where = from.isDirectory ? `${from.url.replace(/\/$/, '')}/${file}` : from.url;
    let outputName = from.isDirectory ? file : '';
    let outputContent: Buffer | string = content;
    if (environment && !verbatim(file)) {
      const renderThis = extension ? file.endsWith(extension) : true;
      if (outputName) outputName = renderTemplate(environment, outputName, renderContext, `${where} (its name)`);
      if (extension && outputName.endsWith(extension)) outputName = outputName.slice(0, -extension.length);
      if (renderThis && !(await isBinaryFile(content))) outputContent = renderTemplate(environment, content.toString('utf8'), renderContext, where);
    }
    // A name that renders empty is how a template leaves an optional file out.
    if (from.isDirectory && (outputName === '' || outputName.endsWith('/'))) return 'left out';
    const target = await context.workspace.resolve(path.posix.join(targetPath, outputName), 'input.targetPath');
    const folder = path.dirname(target);
    if (!folders.has(folder)) folders.set(folder, fs.mkdir(folder, { recursive: true }));
    await folders.get(folder);
    try {
      // `wx` fails on an existing file: that is how existing files are kept unless `replace`.
      await fs.writeFile(target, outputContent, { mode: mode & 0o777, flag: templating?.replace ? 'w' : 'wx' });
      return 'written';
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      await context.log(`Keeping ${path.relative(context.workspace.root, target)}, which already exists`);
      return 'kept';
    }
  });
  await context.workspace.checkLimits();
  return outcomes.filter((outcome) => outcome === 'written').length;
}

function renderTemplate(environment: ReturnType<typeof createSecureEnvironment>, text: string, values: object, where: string): string {
  try {
    return environment.renderString(text, values);
  } catch (error) {
    const { reason, line } = describeRenderError((error as Error).message, text);
    throw new InvalidInputError('scaffolder.render_failed', `Cannot render ${where}${line ? ` line ${line}` : ''}: ${reason}`, { file: where, ...(line ? { line } : {}) });
  }
}

/**
 * Nunjucks says `(unknown path) [Line N, Column M]\n  <reason>`; its parser counts lines from 1
 * but its runtime errors (those starting `Error:`) from 0. A missing filter has no line at all,
 * so it is looked for in the text.
 */
function describeRenderError(message: string, text: string): { reason: string; line?: number } {
  const match = /^\(unknown path\)(?: \[Line (\d+), Column \d+\])?\s*(Error: )?([\s\S]*)$/.exec(message);
  if (!match) return { reason: message };
  const reason = match[3]!.trim();
  if (match[1]) return { reason, line: Number(match[1]) + (match[2] ? 1 : 0) };
  const filter = /filter not found: (\S+)/.exec(reason)?.[1];
  const index = filter ? text.split('\n').findIndex((candidate) => new RegExp(`\\|\\s*${filter}\\b`).test(candidate)) : -1;
  return index >= 0 ? { reason, line: index + 1 } : { reason };
}
