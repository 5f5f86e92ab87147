/**
 * Clone and push through Paved's embedded git hosting, with the real git client over HTTP on
 * 127.0.0.1: a freshly generated repository of N files, pushed to a new repository and cloned
 * back, each timed several times.
 *
 *   npx tsx bench/git.ts [--files 50] [--runs 5]
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { promisify } from 'node:util';
import { pino } from 'pino';
import { loadConfig } from '../src/config.js';
import { createPaved } from '../src/paved.js';

const run = promisify(execFile);
const { values } = parseArgs({ options: { files: { type: 'string', default: '50' }, runs: { type: 'string', default: '5' } } });
const files = Number(values.files);
const runs = Number(values.runs);
const token = 'bench-admin-token-0123456789abcdef';
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'paved-git-bench-'));
const env = { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_AUTHOR_NAME: 'Bench', GIT_AUTHOR_EMAIL: 'bench@example.com', GIT_COMMITTER_NAME: 'Bench', GIT_COMMITTER_EMAIL: 'bench@example.com' };
const git = (cwd: string, ...args: string[]) => run('git', args, { cwd, env });

const paved = await createPaved(loadConfig({ PAVED_DATA_DIR: path.join(work, 'data'), PAVED_ADMIN_TOKEN: token, PAVED_DEMO: 'false', PAVED_CATALOG_REFRESH_SECONDS: '0' }, work), {
  logger: pino({ level: 'warn' }),
});
const address = (await paved.app.listen({ port: 0, host: '127.0.0.1' })).replace('http://', '');

// A repository shaped like a generated service: sources, tests, config, a README.
const source = path.join(work, 'source');
fs.mkdirSync(source);
await git(source, 'init', '--quiet', '--initial-branch=main');
for (let i = 0; i < files; i++) {
  const file = path.join(source, i % 5 === 0 ? 'test' : 'src', `module-${i}.js`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `// module ${i}\n${'export const value = 1;\n'.repeat(40)}`);
}
await git(source, 'add', '.');
await git(source, 'commit', '--quiet', '-m', 'Generated service');

const pushMs: number[] = [];
const cloneMs: number[] = [];
for (let i = 0; i < runs; i++) {
  const created = await paved.app.inject({ method: 'POST', url: '/api/git/repositories', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, payload: JSON.stringify({ namespace: 'bench', name: `service-${i}` }) });
  if (created.statusCode !== 201) throw new Error(`creating the repository failed: ${created.body}`);
  const url = `http://bench:${token}@${address}/git/bench/service-${i}.git`;
  let started = performance.now();
  await git(source, 'push', '--quiet', url, 'main');
  pushMs.push(performance.now() - started);
  started = performance.now();
  await git(work, 'clone', '--quiet', url, path.join(work, `clone-${i}`));
  cloneMs.push(performance.now() - started);
}
await paved.close();
fs.rmSync(work, { recursive: true, force: true });

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
console.log(`git over HTTP: a new repository of ${files} files (1 commit), ${runs} runs`);
console.log(`  push to a new repository: median ${median(pushMs).toFixed(0)} ms, max ${Math.max(...pushMs).toFixed(0)} ms`);
console.log(`  clone:                    median ${median(cloneMs).toFixed(0)} ms, max ${Math.max(...cloneMs).toFixed(0)} ms`);
