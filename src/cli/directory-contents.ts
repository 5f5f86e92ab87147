import fs from 'node:fs/promises';
import path from 'node:path';
import { CliError, type Output } from './output.js';

/** One file of a template folder or of a dry run's result, as Backstage's dry run carries them. */
export interface DirectoryFile {
  path: string;
  base64Content: string;
  executable: boolean;
}

/** Every file of a template folder, as Backstage's dry run sends them; `.git/` and `node_modules/` left out. */
export async function readDirectoryContents(root: string, out: Output): Promise<DirectoryFile[]> {
  const files: DirectoryFile[] = [];
  const walk = async (relative: string): Promise<void> => {
    for (const entry of await fs.readdir(path.join(root, relative), { withFileTypes: true })) {
      const child = relative ? `${relative}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        if (entry.name !== '.git' && entry.name !== 'node_modules') await walk(child);
      } else if (entry.isFile()) {
        const absolute = path.join(root, child);
        const [content, stat] = await Promise.all([fs.readFile(absolute), fs.stat(absolute)]);
        files.push({ path: child, base64Content: content.toString('base64'), executable: (stat.mode & 0o111) !== 0 });
      } else if (entry.isSymbolicLink()) {
        // The server refuses links in templates; following one could send files from elsewhere.
        out.warn(`${child} is a symbolic link; left out`);
      }
    }
  };
  await walk('');
  return files.sort((a, b) => a.path.localeCompare(b.path));
}

/**
 * Writes the rendered files under `root`. Every path is checked before anything is written:
 * an absolute path or a `..` from the server, or a link already in `root`, would write elsewhere.
 */
export async function writeFiles(root: string, files: DirectoryFile[]): Promise<void> {
  const targets = files.map((file) => {
    const target = path.resolve(root, file.path);
    const relative = path.relative(root, target);
    if (path.isAbsolute(file.path) || /^[a-zA-Z]:/.test(file.path) || file.path.split(/[\\/]/).includes('..') || !relative || relative.startsWith('..') || path.isAbsolute(relative)) {
      throw new CliError(`Refusing to write ${JSON.stringify(file.path)}: it is outside ${root}`, 1, ['Nothing was written.'], { code: 'cli.path_outside_output' });
    }
    return target;
  });
  await fs.mkdir(root, { recursive: true });
  const realRoot = await fs.realpath(root);
  for (const [index, file] of files.entries()) {
    const target = targets[index]!;
    await fs.mkdir(path.dirname(target), { recursive: true });
    const realParent = path.relative(realRoot, await fs.realpath(path.dirname(target)));
    const existing = await fs.lstat(target).catch(() => undefined);
    if (realParent.startsWith('..') || path.isAbsolute(realParent) || existing?.isSymbolicLink()) {
      throw new CliError(`Refusing to write ${file.path}: a symbolic link in ${root} leads elsewhere`, 1, [], { code: 'cli.path_outside_output' });
    }
    const mode = file.executable ? 0o755 : 0o644;
    await fs.writeFile(target, Buffer.from(file.base64Content, 'base64'), { mode });
    // writeFile's mode applies only to new files; one left by an earlier run keeps its own.
    await fs.chmod(target, mode);
  }
}
