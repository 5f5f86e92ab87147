import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '..');

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function waitForHealthy(url: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}:\n${output()}`);
    try {
      if ((await fetch(`${url}/healthz`)).status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`server not healthy in time:\n${output()}`);
}

/** `npm start` runs dist/src/main.js: these tests start exactly that, as a separate process. */
describe('npm start', () => {
  let child: ChildProcess | undefined;
  afterEach(() => {
    child?.kill('SIGTERM');
  });

  function start(env: Record<string, string>) {
    let output = '';
    const started = spawn(process.execPath, [path.join(ROOT, 'dist/src/main.js')], { cwd: env.CWD ?? ROOT, env: { ...process.env, ...env } });
    started.stdout!.on('data', (chunk) => (output += chunk));
    started.stderr!.on('data', (chunk) => (output += chunk));
    child = started;
    return { child: started, output: () => output };
  }

  it('starts on SQLite with the demo organization and prints a generated admin token once', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'paved-start-'));
    const port = await freePort();
    const env = { PORT: String(port), HOST: '127.0.0.1', PAVED_DATA_DIR: dataDir, PAVED_LOG_LEVEL: 'warn' };
    const first = start(env);
    await waitForHealthy(`http://127.0.0.1:${port}`, first.child, first.output);
    const token = /\n\s+(pvd_\S+)\n/.exec(first.output())?.[1];
    expect(token).toBeDefined();
    expect(fs.readFileSync(path.join(dataDir, 'admin-token'), 'utf8').trim()).toBe(token);
    expect(fs.statSync(path.join(dataDir, 'admin-token')).mode & 0o777).toBe(0o600);

    const query = await fetch(`http://127.0.0.1:${port}/api/catalog/entities/by-query?filter=kind=component&limit=100`, { headers: { authorization: `Bearer ${token}` } });
    const body = (await query.json()) as { totalItems: number; items: { metadata: { name: string } }[] };
    expect(body.items.map((item) => item.metadata.name)).toContain('cart-service');
    const api = await fetch(`http://127.0.0.1:${port}/api/catalog/entities/by-name/api/default/cart-api`, { headers: { authorization: `Bearer ${token}` } });
    expect(((await api.json()) as { spec: { definition: string } }).spec.definition).toContain('openapi: 3.0.3');

    first.child.kill('SIGTERM');
    await new Promise((resolve) => first.child.once('exit', resolve));
    const second = start(env);
    await waitForHealthy(`http://127.0.0.1:${port}`, second.child, second.output);
    expect(second.output()).not.toContain('pvd_');
    expect((await fetch(`http://127.0.0.1:${port}/api/access/me`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
  });

  it('refuses to start with a bad setting, naming it', async () => {
    const bad = start({ PORT: 'seventy', PAVED_DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'paved-start-')) });
    const code = await new Promise((resolve) => bad.child.once('exit', resolve));
    expect(code).toBe(2);
    expect(bad.output()).toContain('port');
  });
});
