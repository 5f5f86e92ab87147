import path from 'node:path';
import { isBinaryFile } from 'isbinaryfile';
import picomatch from 'picomatch';
import { InvalidInputError } from '../../errors.js';
import { type FileToRender, RenderError, type RenderedFile } from '../../expressions/index.js';
import type { TemplateEntry } from '../workspace/template-files.js';
import { mapConcurrently } from '../workspace/workspace.js';
import type { ActionContext } from './action.js';

export interface TemplatingOptions {
  values: Record<string, unknown>;
  cookiecutterCompat?: boolean;
  /** Only files with this extension are rendered (and lose it); `true` means `.njk`. */
  templateFileExtension?: boolean | string;
  copyWithoutTemplating?: string[];
  /** Replace files that already exist in the workspace (otherwise they are kept). */
  replace?: boolean;
}

interface SourceFile {
  file: string;
  where: string;
  content: Buffer;
  mode: number;
  /** What goes to the renderer: the name and/or the text, when they are templates. */
  toRender: FileToRender;
}

/**
 * Copies a file or folder of the template into the workspace at `targetPath`, rendering names
 * and contents with `templating` (or copying them as they are without it). The whole tree is
 * rendered in one task of the rendering pool, under one deadline. Binary files are copied; a
 * rendering error names the file and line. Returns how many files were written.
 */
export async function copyTree(context: ActionContext<unknown>, from: TemplateEntry & { key: string }, targetPath: string, templating: TemplatingOptions | undefined): Promise<number> {
  const files = await context.templateFiles.list(from);
  const verbatim = picomatch(templating?.copyWithoutTemplating ?? [], { dot: true });
  const extension = templating?.templateFileExtension === true ? '.njk' : templating?.templateFileExtension || undefined;
  const sources = await mapConcurrently(files, async (file): Promise<SourceFile> => {
    const { content, mode } = await context.templateFiles.read(from, file);
    const where = from.isDirectory ? `${from.url.replace(/\/$/, '')}/${file}` : from.url;
    const toRender: FileToRender = {};
    if (templating && !verbatim(file)) {
      if (from.isDirectory) toRender.name = file;
      if ((extension ? file.endsWith(extension) : true) && !(await isBinaryFile(content))) toRender.text = content.toString('utf8');
    }
    return { file, where, content, mode, toRender };
  });
  const rendered: RenderedFile[] = templating ? await renderTree(context, sources, templating, from.url) : sources.map(() => ({}));
  const written = await mapConcurrently(sources, async (source, index) => {
    const result = rendered[index]!;
    let outputName = from.isDirectory ? (result.name ?? source.file) : '';
    if (extension && outputName.endsWith(extension) && source.toRender.name !== undefined) outputName = outputName.slice(0, -extension.length);
    // A name that renders empty is how a template leaves an optional file out.
    if (from.isDirectory && (outputName === '' || outputName.endsWith('/'))) return false;
    const target = path.posix.join(targetPath, outputName);
    if (await context.workspace.writeFile(target, result.text ?? source.content, { what: 'input.targetPath', mode: source.mode, overwrite: templating?.replace === true })) return true;
    await context.log(`Keeping ${target}, which already exists`);
    return false;
  });
  await context.workspace.checkLimits();
  return written.filter(Boolean).length;
}

async function renderTree(context: ActionContext<unknown>, sources: readonly SourceFile[], templating: TemplatingOptions, url: string) {
  const renderContext = templating.cookiecutterCompat ? { cookiecutter: templating.values } : { values: templating.values };
  const toRender = sources.map((source) => source.toRender);
  try {
    return await context.services.renderer.renderFiles(toRender, renderContext, { cookiecutterCompat: templating.cookiecutterCompat === true, what: `the files of ${url}`, signal: context.signal });
  } catch (error) {
    if (!(error instanceof RenderError)) throw error;
    const source = sources[error.failure.index]!;
    const isName = error.failure.part === 'name';
    const where = isName ? `${source.where} (its name)` : source.where;
    const { reason, line } = describeRenderError(error.message, (isName ? source.toRender.name : source.toRender.text) ?? '');
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
