import { execFileSync } from 'node:child_process';
import net from 'node:net';
import pg from 'pg';
import { REPO_ROOT } from './server-process.js';

/** The PostgreSQL the benchmarks use; each run works in a schema of its own and drops it. */
export const POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/test';

export async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect().then(() => client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)).finally(() => client.end());
}

export function postgresReachable(): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port: 5432, timeout: 1_000 }, () => (socket.destroy(), resolve(true)));
    socket.on('error', () => resolve(false)).on('timeout', () => (socket.destroy(), resolve(false)));
  });
}

/** The commit measured, and the files of src/ that differed from it (others' work in progress). */
export function gitState(): { commit: string; uncommittedInSrc: string[] } {
  const git = (...args: string[]) => execFileSync('git', args, { cwd: REPO_ROOT, stdio: 'pipe' }).toString().trim();
  return { commit: git('rev-parse', '--short', 'HEAD'), uncommittedInSrc: git('status', '--porcelain', '--', 'src').split('\n').filter(Boolean) };
}
