import { type DirectoryEntry, type Workspace, type WorkspaceLimits, checkWorkspaceLimits, normalizeRelative } from './workspace.js';

interface MemoryFile {
  content: Buffer;
  mode: number;
}

/** A workspace in memory, for dry runs: nothing of it ever reaches the disk. */
export class MemoryWorkspace implements Workspace {
  private readonly files = new Map<string, MemoryFile>();

  constructor(readonly limits: WorkspaceLimits) {}

  async writeFile(relative: string, content: Buffer | string, options: { what: string; mode?: number; overwrite: boolean }): Promise<boolean> {
    const key = this.fileKey(relative, options.what);
    if (!options.overwrite && this.files.has(key)) return false;
    this.files.set(key, { content: Buffer.from(content), mode: options.mode ?? 0o644 });
    return true;
  }

  async readFile(relative: string, what: string): Promise<Buffer> {
    const file = this.files.get(this.fileKey(relative, what));
    if (!file) throw new Error(`${what}: ${relative} does not exist in the workspace`);
    return file.content;
  }

  async exists(relative: string, what: string): Promise<boolean> {
    return this.under(normalizeRelative(relative, what)).length > 0;
  }

  async remove(relative: string, what: string): Promise<void> {
    for (const key of this.under(normalizeRelative(relative, what))) this.files.delete(key);
  }

  async rename(from: string, to: string, what: { from: string; to: string }): Promise<void> {
    const [source, target] = [normalizeRelative(from, what.from), normalizeRelative(to, what.to)];
    for (const key of this.under(source)) {
      const moved = key === source ? target : `${target}/${key.slice(source.length + 1)}`;
      this.files.set(moved, this.files.get(key)!);
      this.files.delete(key);
    }
  }

  async listFiles(): Promise<string[]> {
    return [...this.files.keys()].sort();
  }

  async checkLimits(): Promise<void> {
    let bytes = 0;
    for (const file of this.files.values()) bytes += file.content.length;
    checkWorkspaceLimits(this.files.size, bytes, this.limits);
  }

  async serialize(): Promise<DirectoryEntry[]> {
    return (await this.listFiles()).map((key) => {
      const file = this.files.get(key)!;
      return { path: key, base64Content: file.content.toString('base64'), executable: (file.mode & 0o111) !== 0 };
    });
  }

  folderOnDisk(): Promise<string> {
    throw new Error('This action needs the files on disk, which a dry run does not write');
  }

  private fileKey(relative: string, what: string): string {
    const key = normalizeRelative(relative, what);
    if (key === '') throw new Error(`${what}: the workspace itself is not a file`);
    return key;
  }

  /** The file `key`, or every file in the folder `key` ('' is everything). */
  private under(key: string): string[] {
    return [...this.files.keys()].filter((candidate) => key === '' || candidate === key || candidate.startsWith(`${key}/`));
  }
}
