import { constants as fsConstants, createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import path from 'node:path';
import picomatch from 'picomatch';
import { InvalidInputError, NotFoundError } from '../errors.js';
import { idParam, relativePathProblem } from '../http/path-params.js';

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
      const realCheckout = await fs.realpath(checkout);
      const kept: Artifact[] = [];
      let bytes = 0;
      let leftOut = 0;
      for (const entry of await fs.readdir(checkout, { recursive: true, withFileTypes: true })) {
        // Regular files only: a link could point anywhere on this machine.
        if (!entry.isFile()) continue;
        const relative = path.relative(checkout, path.join(entry.parentPath, entry.name)).split(path.sep).join('/');
        if (relative.startsWith('.git/') || !matches(relative)) continue;
        // Opened without following a last link, at its real path inside the checkout: a file swapped
        // for a link (or a folder for a link to elsewhere) after the listing is not copied.
        const real = await fs.realpath(path.join(checkout, relative)).catch(() => undefined);
        if (!real?.startsWith(`${realCheckout}${path.sep}`)) continue;
        const source = await fs.open(real, fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW).catch(() => undefined);
        if (!source) continue;
        try {
          const stat = await source.stat();
          if (!stat.isFile()) continue;
          const { size } = stat;
          if (kept.length >= MAX_FILES || bytes + size > MAX_BYTES) {
            leftOut += 1;
            continue;
          }
          const target = path.join(runDir(runId), job, relative);
          await fs.mkdir(path.dirname(target), { recursive: true });
          await pipeline(source.createReadStream({ autoClose: false }), createWriteStream(target));
          kept.push({ job, path: relative, size });
          bytes += size;
        } finally {
          await source.close();
        }
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

    /**
     * The file on disk for `job/path` of a run. The route has validated each part already
     * (src/http/path-params.ts); this checks again, on what the disk says: the real path, links
     * resolved, must lie inside the store's own folder for that run and job, and be a regular
     * file. Anything else is "no such artifact", never another file of this machine.
     */
    async file(runId: string, job: string, relative: string): Promise<string> {
      const notFound = new NotFoundError('pipelines.artifact_not_found', `No artifact ${job}/${relative} in run ${runId}`);
      const problem = idProblem(runId, 'run id') ?? idProblem(job, 'job') ?? relativePathProblem(relative);
      if (problem) {
        throw new InvalidInputError('pipelines.invalid_path', `${job}/${relative} is not an artifact path: ${problem}`, { path: 'path' });
      }
      const realRoot = await fs.realpath(root).catch(() => undefined);
      if (!realRoot) throw notFound;
      const base = path.join(realRoot, runId, job);
      const target = await fs.realpath(path.join(base, relative)).catch(() => undefined);
      if (!target || !target.startsWith(`${base}${path.sep}`)) throw notFound;
      const stat = await fs.lstat(target).catch(() => undefined);
      if (!stat?.isFile()) throw notFound;
      return target;
    },
  };
}

/** Run ids and job ids are single path segments, by the API's own rule for ids. */
function idProblem(value: string, what: string): string | undefined {
  const parsed = idParam.safeParse(value);
  return parsed.success ? undefined : `the ${what} ${parsed.error.issues[0]!.message}`;
}

export type ArtifactStore = ReturnType<typeof createArtifactStore>;
