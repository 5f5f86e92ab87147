/**
 * What the sandbox adds to a pipeline step: `true` spawned through `sandbox.spawn` (bubblewrap,
 * setpriv, a cgroup made and removed, a private /tmp and HOME, a workspace mount) against the
 * same `true` spawned plainly, and the same in a job's shared network namespace (nsenter).
 *
 *   npx tsx bench/sandbox.ts [--runs 50] [--max-load-wait 300]
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { loadConfig } from '../src/config.js';
import { type Sandbox, createSandbox } from '../src/sandbox/index.js';
import { percentile, round } from './latency.js';
import { gitState } from './postgres-and-git.js';
import { waitForQuiet } from './quiet-machine.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '50' }, 'max-load-wait': { type: 'string', default: '300' } } });
const runs = Number(values.runs);
const TARGET_MS = 50;

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'paved-bench-sandbox-'));
const workspace = path.join(dataDir, 'pipelines', 'work', 'bench', 'main');
fs.mkdirSync(`${workspace}.home`, { recursive: true });
fs.mkdirSync(workspace, { recursive: true });
const config = loadConfig({ PAVED_DATA_DIR: dataDir }, dataDir);
const sandbox = await createSandbox({ config, logger: pino({ level: 'warn' }) });
if (sandbox.mode !== 'bubblewrap') throw new Error(`the sandbox is ${sandbox.mode}: ${sandbox.notice}`);
await sandbox.ownWritable(workspace, `${workspace}.home`);

async function plainTrue(): Promise<number> {
  const started = performance.now();
  const child = spawn('sh', ['-c', 'true'], { cwd: workspace, env: { PATH: '/usr/bin:/bin' }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.resume();
  child.stderr.resume();
  await new Promise((resolve) => child.once('close', resolve));
  return performance.now() - started;
}

async function sandboxedTrue(on: Sandbox, network?: Awaited<ReturnType<Sandbox['network']>>): Promise<number> {
  const started = performance.now();
  const step = on.spawn({
    command: ['sh', '-c', 'true'],
    cwd: workspace,
    mounts: [
      { path: workspace, writable: true },
      { path: `${workspace}.home`, writable: true },
    ],
    env: { PATH: '/usr/local/bin:/usr/bin:/bin', HOME: `${workspace}.home`, LANG: 'C.UTF-8' },
    limits: { memoryBytes: 2 * 2 ** 30, cpus: 2, pids: 1024 },
    label: 'bench',
    ...(network ? { network } : {}),
  });
  step.child.stdout?.resume();
  step.child.stderr?.resume();
  const outcome = await step.exited;
  if (outcome.exitCode !== 0) throw new Error(`true exited ${outcome.exitCode} in the sandbox`);
  return performance.now() - started;
}

function summary(timings: number[]) {
  const sorted = [...timings].sort((a, b) => a - b);
  return { medianMs: round(percentile(sorted, 50)), p95Ms: round(percentile(sorted, 95)), minMs: round(sorted[0]!), maxMs: round(sorted.at(-1)!) };
}

/**
 * The three spawns take turns, run after run, so that the load of a shared machine falls on
 * each alike: the difference of their medians is the sandbox's cost, not the neighbours'.
 */
type Measured = ReturnType<typeof summary> & { loadAtStart: number; loadAtEnd: number; timings: number[] };

async function measureInTurns<K extends string>(kinds: Record<K, () => Promise<number>>): Promise<Record<K, Measured>> {
  const entries = Object.entries(kinds) as [K, () => Promise<number>][];
  for (const [, once] of entries) for (let i = 0; i < 5; i++) await once();
  const quiet = await waitForQuiet('spawns', Number(values['max-load-wait']));
  const timings = new Map<K, number[]>(entries.map(([kind]) => [kind, []]));
  for (let i = 0; i < runs; i++) for (const [kind, once] of entries) timings.get(kind)!.push(await once());
  const loadAtEnd = round(os.loadavg()[0]!);
  return Object.fromEntries([...timings].map(([kind, list]) => [kind, { ...summary(list), loadAtStart: quiet.loadAtStart, loadAtEnd, timings: list.map((t) => round(t)) }])) as Record<K, Measured>;
}

const network = await sandbox.network({ egress: true, forwards: [], exposes: [] });
const measured = await measureInTurns({
  plain: plainTrue,
  sandboxed: () => sandboxedTrue(sandbox),
  inJobNetwork: () => sandboxedTrue(sandbox, network),
  networkStart: async () => {
    const started = performance.now();
    const made = await sandbox.network({ egress: true, forwards: [], exposes: [] });
    await made.close();
    return performance.now() - started;
  },
});
const { plain, sandboxed, inJobNetwork, networkStart } = measured;
await network.close();
fs.rmSync(dataDir, { recursive: true, force: true });

const overhead = { medianMs: round(sandboxed.medianMs - plain.medianMs), p95Ms: round(sandboxed.p95Ms - plain.p95Ms) };
const overheadInNetwork = { medianMs: round(inJobNetwork.medianMs - plain.medianMs), p95Ms: round(inJobNetwork.p95Ms - plain.p95Ms) };
const result = {
  date: new Date().toISOString(),
  machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, kernel: os.release() },
  ...gitState(),
  runs,
  plain,
  sandboxed,
  inJobNetwork,
  networkStart,
  overhead,
  overheadInNetwork,
  targetMs: TARGET_MS,
  ok: overheadInNetwork.medianMs <= TARGET_MS,
};
fs.mkdirSync(path.join(import.meta.dirname, 'results'), { recursive: true });
fs.writeFileSync(path.join(import.meta.dirname, 'results', 'sandbox.json'), `${JSON.stringify(result, null, 2)}\n`);
const row = (name: string, s: { medianMs: number; p95Ms: number }) => console.log(`${name.padEnd(28)} median ${String(s.medianMs).padStart(7)} ms   p95 ${String(s.p95Ms).padStart(7)} ms`);
row('plain spawn of true', plain);
row('sandboxed true (own netns)', sandboxed);
row('sandboxed, in a job network', inJobNetwork);
row('a job network (start+close)', networkStart);
row('overhead per step', overheadInNetwork);
console.log(`target ≤ ${TARGET_MS} ms per step: ${result.ok ? 'ok' : 'missed'} (results in bench/results/sandbox.json)`);
