import path from 'node:path';
import { isBinaryFile } from 'isbinaryfile';
import picomatch from 'picomatch';
import { InvalidInputError } from '../../errors.js';
import { createSecureEnvironment, renderCompiled } from '../../expressions/secure-nunjucks.js';
import type { TemplateEntry } from '../workspace/template-files.js';
import { mapConcurrently } from '../workspace/workspace.js';
import type { ActionContext } from './action.js';

// Stateless (filters only), so one of each serves every run and keeps its compiled files.
const ENVIRONMENT = createSecureEnvironment();
const COOKIECUTTER_ENVIRONMENT = createSecureEnvironment({ cookiecutterCompat: true });

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
 * Copies a file or folder of the template into the workspace at `targetPath`, rendering names
 * and contents with `templating` (or copying them as they are without it). Binary files are
 * copied; a rendering error names the file and line. Returns how many files were written.
 */
export async function copyTree(context: ActionContext<unknown>, from: TemplateEntry & { key: string }, targetPath: string, templating: TemplatingOptions | undefined): Promise<number> {
  const files = await context.templateFiles.list(from);
  const environment = templating ? (templating.cookiecutterCompat ? COOKIECUTTER_ENVIRONMENT : ENVIRONMENT) : undefined;
  const renderContext = templating ? (templating.cookiecutterCompat ? { cookiecutter: templating.values } : { values: templating.values }) : {};
  const verbatim = picomatch(templating?.copyWithoutTemplating ?? [], { dot: true });
  const extension = templating?.templateFileExtension === true ? '.njk' : templating?.templateFileExtension || undefined;
  const written = await mapConcurrently(files, async (file) => {
    const { content, mode } = await context.templateFiles.read(from, file);
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
    if (from.isDirectory && (outputName === '' || outputName.endsWith('/'))) return false;
    const target = path.posix.join(targetPath, outputName);
    if (await context.workspace.writeFile(target, outputContent, { what: 'input.targetPath', mode, overwrite: templating?.replace === true })) return true;
    await context.log(`Keeping ${target}, which already exists`);
    return false;
  });
  await context.workspace.checkLimits();
  return written.filter(Boolean).length;
}

function renderTemplate(environment: ReturnType<typeof createSecureEnvironment>, text: string, values: object, where: string): string {
  try {
    return renderCompiled(environment, text, values);
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
