import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { SandboxExit } from '../../../sandbox/index.js';
import { createMasker } from '../../../secrets/index.js';
import { SupervisedProcess } from './supervised-process.js';

describe('SupervisedProcess output', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paved-supervised-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('masks a secret the workload prints whole or in two pieces, in the tail and on disk', async () => {
    const secret = 's3cr3t-database-password';
    const logFile = path.join(dir, 'shop.log');
    const process = new SupervisedProcess({
      name: 'web',
      // Plain processes stand in for the sandbox: what is tested is what happens to their output.
      command: ['sh', '-c', 'echo "url: $S"; printf "%s\\n" "$S" | cut -c1-9; printf "%s\\n" "$S" | cut -c10-; echo done; sleep 30'],
      cwd: dir,
      env: { S: secret, PATH: '/usr/bin:/bin' },
      logFile,
      backoffStartMs: 60_000,
      mask: createMasker([secret]),
      launch: (spec) => {
        const child = spawn(spec.command[0]!, spec.command.slice(1), { cwd: spec.cwd, env: spec.env, detached: true });
        const exited = new Promise<SandboxExit>((resolve) => child.on('exit', (exitCode, signal) => resolve({ exitCode, signal, outOfMemory: false })));
        return { child, exited, stop: async () => void (child.pid && globalThis.process.kill(-child.pid, 'SIGKILL')) };
      },
      outOfMemoryReason: 'out of memory',
    });
    process.start();
    const deadline = Date.now() + 5_000;
    while (!process.tail.some((line) => line.text === 'done') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    await process.stop();
    expect(process.tail.map((line) => line.text)).toEqual(['url: ***', '***', '***', 'done']);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const onDisk = fs.readFileSync(logFile, 'utf8');
    expect(onDisk).not.toContain(secret.slice(0, 9));
    expect(onDisk).not.toContain(secret.slice(9));
  });
});
