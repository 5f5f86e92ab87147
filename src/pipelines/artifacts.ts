import fs from 'node:fs/promises';
import path from 'node:path';
import picomatch from 'picomatch';
import { InvalidInputError, NotFoundError } from '../errors.js';

/** Most a job may keep: beyond it the rest is left out, and the log says so. */
const MAX_FILES = 1_000;
const MAX_BYTES = 200 * 1024 * 1024;

export interface Artifact {
  job: string;
  path: string;
  size: number;
}

/**
 * A run's kept files, in `<root>/<run>/<job>/<path>`: copied from a job's checkout when the job
 * ends, listed and downloaded through the API.
 */
export function createArtifactStore(root: string) {
  const runDir = (runId: string) => path.join(root, runId);

  return {
    /** Copies the files of `checkout` matching `patterns` (globs); returns what was kept and what was left out. */
    async keep(runId: string, job: string, checkout: string, patterns: readonly string[]): Promise<{ kept: Artifact[]; leftOut: number }> {
      const matches = picomatch([...patterns], { dot: true });
      const kept: Artifact[] = [];
      let bytes = 0;
      let leftOut = 0;
      for (const entry of await fs.readdir(checkout, { recursive: true, withFileTypes: true })) {
        // Regular files only: a link could point anywhere on this machine.
        if (!entry.isFile()) continue;
        const relative = path.relative(checkout, path.join(entry.parentPath, entry.name)).split(path.sep).join('/');
        if (relative.startsWith('.git/') || !matches(relative)) continue;
        const { size } = await fs.stat(path.join(checkout, relative));
        if (kept.length >= MAX_FILES || bytes + size > MAX_BYTES) {
          leftOut += 1;
          continue;
        }
        const target = path.join(runDir(runId), job, relative);
        await fs.mkdir(path.dirname(target), { recursive: true });
        await fs.copyFile(path.join(checkout, relative), target);
        kept.push({ job, path: relative, size });
        bytes += size;
      }
      return { kept, leftOut };
    },

    async list(runId: string): Promise<Artifact[]> {
      const dir = runDir(runId);
      const entries = await fs.readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
      const artifacts: Artifact[] = [];
      for (const entry of entries.filter((candidate) => candidate.isFile())) {
        const [job, ...rest] = path.relative(dir, path.join(entry.parentPath, entry.name)).split(path.sep);
        artifacts.push({ job: job!, path: rest.join('/'), size: (await fs.stat(path.join(entry.parentPath, entry.name))).size });
      }
      return artifacts.sort((a, b) => `${a.job}/${a.path}`.localeCompare(`${b.job}/${b.path}`));
    },

    /** The file on disk for `job/path` of a run; refuses paths that climb out. */
    async file(runId: string, job: string, relative: string): Promise<string> {
      const base = path.join(runDir(runId), job);
      const target = path.resolve(base, relative);
      if (path.relative(base, target).startsWith('..') || path.isAbsolute(path.relative(base, target))) {
        throw new InvalidInputError('pipelines.invalid_path', `${relative} is not a path inside the artifacts of job ${job}`, { path: 'path' });
      }
      const stat = await fs.stat(target).catch(() => undefined);
      if (!stat?.isFile()) throw new NotFoundError('pipelines.artifact_not_found', `No artifact ${job}/${relative} in run ${runId}`);
      return target;
    },
  };
}

export type ArtifactStore = ReturnType<typeof createArtifactStore>;
