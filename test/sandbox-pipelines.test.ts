import { type ChildProcess, execFile, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEAM_A_PEOPLE } from './support/people.js';
import { ADMIN_TOKEN, DIALECTS, POSTGRES_URL, type TestPaved, startTestPaved } from './support/test-paved.js';
import { until } from './support/until.js';

/**
 * Pipeline steps run in the sandbox (finding 2), and Paved's own git ignores what steps write
 * (finding 7): each test pushes a real repository and reads what its real run printed.
 */

const run = promisify(execFile);
const gitEnv = { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_AUTHOR_NAME: 'Ada', GIT_AUTHOR_EMAIL: 'ada@example.com', GIT_COMMITTER_NAME: 'Ada', GIT_COMMITTER_EMAIL: 'ada@example.com' };
const git = (cwd: string, ...args: string[]) => run('git', args, { cwd, env: gitEnv });
const pipeline = (spec: string) => `apiVersion: paved.dev/v1\nkind: Pipeline\nmetadata: { name: p }\nspec:\n${spec}`;

/** Host processes whose command line is exactly `argv` (the sandbox's pid namespace hides nothing from the host). */
function hostProcesses(argv: string[]): number[] {
  const wanted = `${argv.join('\0')}\0`;
  return fs
    .readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8') === wanted;
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** A Paved listening on 127.0.0.1 with team-a's people, and helpers to push and follow runs. */
async function pavedWithRepositories(dialect: (typeof DIALECTS)[number], env: Record<string, string> = {}) {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'paved-sandbox-pipelines-'));
  const paved = await startTestPaved(dialect, {}, env);
  const address = await paved.app.listen({ port: 0, host: '127.0.0.1' });
  const host = address.replace('http://', '');
  paved.start();
  await paved.call('POST', '/api/catalog/entities', { body: TEAM_A_PEOPLE });
  const ada = (await paved.call('POST', '/api/access/tokens', { body: { name: 't', userRef: 'user:default/ada' } })).body.token as string;

  async function push(repo: string, files: Record<string, string>) {
    const clone = path.join(work, repo);
    if (!fs.existsSync(clone)) {
      const created = await paved.call('POST', '/api/git/repositories', { token: ada, body: { namespace: 'team-a', name: repo, ownerRef: 'group:default/team-a' } });
      expect(created.status).toBe(201);
      await git(work, 'clone', '--quiet', `http://ada:${ada}@${host}/git/team-a/${repo}.git`, clone);
    }
    for (const [file, text] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(clone, file)), { recursive: true });
      fs.writeFileSync(path.join(clone, file), text);
    }
    await git(clone, 'add', '--all');
    await git(clone, 'commit', '--quiet', '--allow-empty', '-m', `change ${Date.now()}`);
    await git(clone, 'push', '--quiet', 'origin', 'HEAD:main');
  }
  const runs = async (repo: string) => (await paved.call('GET', `/api/pipelines/repositories/team-a/${repo}/runs`)).body.items as { id: string; number: number }[];
  /** The `count`-th run of `repo`, once it has finished. */
  async function finishedRun(repo: string, count = 1) {
    const items = await until(() => runs(repo), (found) => found.length >= count, 30_000);
    const { id } = items.sort((a, b) => a.number - b.number)[count - 1]!;
    return until(async () => (await paved.call('GET', `/api/pipelines/runs/${id}`)).body, (r) => ['succeeded', 'failed', 'cancelled'].includes(r.status), 60_000);
  }
  const logText = async (id: string) => ((await paved.call('GET', `/api/pipelines/runs/${id}/logs?limit=10000`)).body.items as { message: string }[]).map((line) => line.message).join('\n');
  return {
    paved,
    port: Number(new URL(address).port),
    push,
    finishedRun,
    logText,
    async close() {
      await paved.close();
      fs.rmSync(work, { recursive: true, force: true });
    },
  };
}

describe.each(DIALECTS)('a pipeline step in the sandbox, on %s', (dialect) => {
  let paved: Awaited<ReturnType<typeof pavedWithRepositories>>;
  beforeAll(async () => {
    process.env.PAVED_LEAK_CHECK = 'must-not-reach-steps';
    paved = await pavedWithRepositories(dialect);
    // Another team's repository, on the same disk.
    const other = await paved.paved.call('POST', '/api/git/repositories', { body: { namespace: 'team-b', name: 'secret-sauce', ownerRef: 'group:default/team-b' } });
    expect(other.status).toBe(201);
  });
  afterAll(async () => {
    delete process.env.PAVED_LEAK_CHECK;
    await paved?.close();
  });

  it('cannot read the data dir, other repositories, Paved’s environment or reach Paved’s ports and databases; runs unprivileged', async () => {
    const dataDir = paved.paved.dataDir;
    await paved.push('probe', {
      '.paved/pipeline.yaml': pipeline(`  on: { push: {} }
  env: { DATA: '${dataDir}', TARGET_PORT: '${paved.port}' }
  steps:
    - name: user
      run: echo "uid=$(id -u) gid=$(id -g) home=$HOME"
    - name: data dir
      run: |
        ls -A "$DATA" | sed 's/^/in-data-dir: /'
        for file in "$DATA/paved.sqlite" "$DATA/master.key" "$DATA/admin-token" ../../../../paved.sqlite ../../../../master.key; do
          if cat "$file" > /dev/null 2>&1; then echo "LEAK read $file"; else echo "cannot read $file"; fi
        done
        if ls "$DATA/git/team-b" > /dev/null 2>&1; then echo "LEAK other repositories"; else echo "cannot list other repositories"; fi
        if git clone --quiet "$DATA/git/team-b/secret-sauce.git" /tmp/stolen > /dev/null 2>&1; then echo "LEAK cloned another team's repository"; else echo "cannot clone another team's repository"; fi
    - name: environment
      run: |
        echo "parent environ: $(tr '\\0' ' ' < /proc/$PPID/environ)"
        for f in /proc/[0-9]*/environ; do tr '\\0' '\\n' < "$f"; done 2>/dev/null | sort -u | sed 's/^/seen-env: /'
        ls /proc | grep -c '^[0-9]' | sed 's/^/processes-visible: /'
    - name: network
      run: |
        for port in "$TARGET_PORT" 5432 6379; do
          if bash -c "exec 3<>/dev/tcp/127.0.0.1/$port" 2>/dev/null; then echo "LEAK connected to $port"; else echo "cannot connect to $port"; fi
        done
        node -e "require('net').connect(5432, '127.0.0.1').on('connect', () => console.log('LEAK node connected')).on('error', (e) => console.log('node cannot connect: ' + e.code))"
        curl -s -o /dev/null -w 'through the proxy to a host not on the list: %{http_code}\\n' http://example.com/
        curl -s -o /dev/null --noproxy '*' -w 'around the proxy: %{http_code}\\n' http://93.184.215.14/ || true
`),
    });
    const done = await paved.finishedRun('probe');
    const log = await paved.logText(done.id);
    expect(done.error, log).toBeNull();
    if (process.env.H1_DEBUG) console.log(log);
    expect(log).toContain('uid=65534 gid=65534');
    expect(log.split('\n').filter((line) => line.startsWith('LEAK'))).toEqual([]);
    for (const file of ['paved.sqlite', 'master.key', 'admin-token', '../../../../paved.sqlite']) expect(log).toMatch(new RegExp(`cannot read \\S*${file.replace(/\./g, '\\.')}`));
    // Only the run's own workspace is under the data dir's path inside.
    expect(log.match(/^in-data-dir: .*/gm)).toEqual(['in-data-dir: pipelines']);
    expect(log).toContain('cannot list other repositories');
    expect(log).toContain("cannot clone another team's repository");
    expect(log).not.toContain('PAVED_LEAK_CHECK');
    expect(log).not.toContain(ADMIN_TOKEN);
    expect(log).not.toContain(POSTGRES_URL);
    expect(log).not.toMatch(/^seen-env: (DATABASE_URL|PAVED_|NODE_OPTIONS|VITEST)/m);
    expect(Number(/processes-visible: (\d+)/.exec(log)?.[1])).toBeLessThan(10);
    for (const port of [paved.port, 5432, 6379]) expect(log).toContain(`cannot connect to ${port}`);
    expect(log).toContain('node cannot connect: ECONNREFUSED');
    // Out only through the egress proxy, which refuses what is not on the allow-list.
    expect(log).toContain('through the proxy to a host not on the list: 403');
    expect(log).toContain('around the proxy: 000');
  });
});

describe('pipeline steps in the sandbox', () => {
  let paved: Awaited<ReturnType<typeof pavedWithRepositories>>;
  beforeAll(async () => {
    paved = await pavedWithRepositories('sqlite');
  });
  afterAll(async () => paved?.close());

  it('leave no process behind: what a step backgrounds, even in its own session, ends with the step', async () => {
    await paved.push('leftovers', {
      '.paved/pipeline.yaml': pipeline(`  on: { push: {} }
  steps:
    - name: daemon
      run: setsid sleep 313 & nohup sleep 314 > /dev/null 2>&1 & echo started
    - name: after
      run: sleep 1; echo next step
`),
    });
    const done = await paved.finishedRun('leftovers');
    expect(done.status).toBe('succeeded');
    expect(await paved.logText(done.id)).toContain('next step');
    expect(hostProcesses(['sleep', '313'])).toEqual([]);
    expect(hostProcesses(['sleep', '314'])).toEqual([]);
  });

  it('keeps `git config --global` in the job: a hook set by one run never runs in Paved’s checkout of a later one (finding 7)', async () => {
    const marker = path.join(os.tmpdir(), `paved-hook-ran-${crypto.randomBytes(4).toString('hex')}`);
    await paved.push('hooks', {
      '.paved/pipeline.yaml': pipeline(`  on: { push: {} }
  steps:
    - name: plant
      run: |
        mkdir -p "$HOME/hooks"
        printf '#!/bin/sh\\ntouch ${marker}\\n' > "$HOME/hooks/post-checkout"
        chmod +x "$HOME/hooks/post-checkout"
        git config --global core.hooksPath "$HOME/hooks"
    - name: same job
      run: |
        echo "hooksPath in this job: $(git config --global --get core.hooksPath)"
`),
    });
    const first = await paved.finishedRun('hooks');
    expect(first.status, await paved.logText(first.id)).toBe('succeeded');
    expect(await paved.logText(first.id)).toMatch(/hooksPath in this job: \S+\.home\/hooks/);

    // Even a hostile global config in Paved's own environment does not reach its checkout.
    const hostile = fs.mkdtempSync(path.join(os.tmpdir(), 'paved-hostile-home-'));
    fs.mkdirSync(path.join(hostile, 'hooks'));
    fs.writeFileSync(path.join(hostile, 'hooks', 'post-checkout'), `#!/bin/sh\ntouch ${marker}\n`, { mode: 0o755 });
    fs.writeFileSync(path.join(hostile, '.gitconfig'), `[core]\n\thooksPath = ${path.join(hostile, 'hooks')}\n`);
    const saved = { HOME: process.env.HOME, GIT_CONFIG_GLOBAL: process.env.GIT_CONFIG_GLOBAL };
    process.env.HOME = hostile;
    process.env.GIT_CONFIG_GLOBAL = path.join(hostile, '.gitconfig');
    try {
      await paved.push('hooks', { 'README.md': 'second run\n' });
      const second = await paved.finishedRun('hooks', 2);
      expect(second.status).toBe('succeeded');
    } finally {
      process.env.HOME = saved.HOME;
      if (saved.GIT_CONFIG_GLOBAL === undefined) delete process.env.GIT_CONFIG_GLOBAL;
      else process.env.GIT_CONFIG_GLOBAL = saved.GIT_CONFIG_GLOBAL;
      fs.rmSync(hostile, { recursive: true, force: true });
    }
    expect(fs.existsSync(marker)).toBe(false);
  });

  it('kills a step over its memory limit and says so; a fork bomb stops at the process limit', async () => {
    await paved.push('hungry', {
      '.paved/pipeline.yaml': pipeline(`  on: { push: {} }
  jobs:
    forks:
      limits: { pids: 48 }
      steps:
        - name: fork bomb
          run: |
            i=0
            while [ $i -lt 500 ]; do (sleep 315 &) 2> /dev/null || break; i=$((i+1)); done
            echo "forked $i"
    hog:
      needs: forks
      limits: { memory: 64Mi }
      steps:
        - name: build
          run: python3 -c "data = bytearray(512 * 1024 * 1024); print('allocated')"
`),
    });
    const done = await paved.finishedRun('hungry');
    const log = await paved.logText(done.id);
    const forked = Number(/forked (\d+)/.exec(log)?.[1]);
    expect(forked).toBeGreaterThan(0);
    expect(forked).toBeLessThan(48);
    expect(log).toContain('⚠ fork bomb reached its process limit (48 processes and threads)');
    expect(hostProcesses(['sleep', '315'])).toEqual([]);
    expect(done.status).toBe('failed');
    expect(done.failedJob).toBe('hog');
    expect(log).not.toMatch(/^allocated$/m);
    expect(log).toContain('✖ build was killed: out of memory (limit 64 MiB');
    expect(done.error).toContain('out of memory');
    expect((await paved.paved.call('GET', '/healthz', { token: null })).status).toBe(200);
  });

  it('lets no environment value smuggle options to bubblewrap (a NUL would start one)', async () => {
    await paved.push('smuggler', {
      '.paved/pipeline.yaml': pipeline(`  on: { push: {} }
  env: { SMUGGLED: "x\\0--bind\\0/\\0/host-root" }
  steps:
    - name: escape
      run: ls /host-root/etc/shadow && echo ESCAPED
`),
    });
    const done = await paved.finishedRun('smuggler');
    expect(done.status).toBe('failed');
    expect(done.error).toContain('environment variable "SMUGGLED" holds a NUL character');
    expect(await paved.logText(done.id)).not.toMatch(/^ESCAPED$/m);
  });

  it('fails a job that asks for more than the operator allows, naming the setting', async () => {
    await paved.push('greedy', { '.paved/pipeline.yaml': pipeline(`  on: { push: {} }\n  limits: { memory: 64Gi }\n  steps: [{ name: never, run: 'echo ran' }]\n`) });
    const done = await paved.finishedRun('greedy');
    expect(done.status).toBe('failed');
    expect(done.error).toBe("job main asks for limits.memory 64 GiB, more than this Paved allows (8 GiB; the operator's PAVED_SANDBOX_MAX_MEMORY)");
    expect(await paved.logText(done.id)).not.toMatch(/^ran$/m);
  });

  it('refuses limits it cannot read, with their line', async () => {
    const file = pipeline(`  on: { push: {} }\n  limits: { memory: lots, pids: 2 }\n  jobs:\n    small: { limits: { memory: 1Mi, cpus: many }, steps: [{ run: 'true' }] }\n`);
    const checked = await paved.paved.call('POST', '/api/pipelines/validate', { body: file });
    expect(checked.body.valid, JSON.stringify(checked.body)).toBe(false);
    expect(checked.body.problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: 'spec.limits.memory', line: 6, message: expect.stringContaining('512Mi') }),
        expect.objectContaining({ path: 'spec.limits.pids', line: 6, message: expect.stringContaining('at least 16') }),
        expect.objectContaining({ path: 'spec.jobs.small.limits.memory', line: 8, message: expect.stringContaining('at least 16Mi') }),
        expect.objectContaining({ path: 'spec.jobs.small.limits.cpus', line: 8, message: expect.stringContaining('500m') }),
      ]),
    );
  });
});

describe('without a working sandbox', () => {
  it('refuses every run, naming the fix, when bubblewrap is missing', async () => {
    const paved = await pavedWithRepositories('sqlite', { PAVED_SANDBOX_BWRAP: '/nonexistent/bwrap' });
    try {
      expect(paved.paved.sandbox.mode).toBe('unavailable');
      await paved.push('refused', { '.paved/pipeline.yaml': pipeline(`  on: { push: {} }\n  steps: [{ name: never, run: 'echo ran' }]\n`) });
      const done = await paved.finishedRun('refused');
      expect(done.status).toBe('failed');
      expect(done.error).toContain('the sandbox is not available: bubblewrap (bwrap) is not installed at /nonexistent/bwrap (PAVED_SANDBOX_BWRAP) — apt-get install bubblewrap');
      expect(await paved.logText(done.id)).not.toMatch(/^ran$/m);
    } finally {
      await paved.close();
    }
  });

  it('runs unsandboxed only when the operator opts out, and says so in the run’s log', async () => {
    const paved = await pavedWithRepositories('sqlite', { PAVED_SANDBOX: 'off' });
    try {
      expect(paved.paved.sandbox.mode).toBe('none');
      await paved.push('opted-out', { '.paved/pipeline.yaml': pipeline(`  on: { push: {} }\n  steps: [{ name: who, run: 'echo "uid=$(id -u)"' }]\n`) });
      const done = await paved.finishedRun('opted-out');
      expect(done.status).toBe('succeeded');
      const log = await paved.logText(done.id);
      expect(log).toContain('running unsandboxed: PAVED_SANDBOX=off');
      expect(log).toContain(`uid=${process.getuid?.()}`);
    } finally {
      await paved.close();
    }
  });
});

describe('after a crash', () => {
  const REPO_ROOT = path.resolve(import.meta.dirname, '..');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'paved-sandbox-crash-'));
  const instance = crypto.createHash('sha256').update(fs.realpathSync(dataDir)).digest('hex').slice(0, 12);
  const groupsOf = (controller: string) => {
    const dir = `/sys/fs/cgroup/${controller}/paved/${instance}`;
    return fs.existsSync(dir) ? fs.readdirSync(dir, { withFileTypes: true }).filter((entry) => entry.isDirectory()).map((entry) => entry.name) : [];
  };
  let port = 0;
  let server: ChildProcess | undefined;

  /** Paved as its own OS process (`node --import tsx src/main.ts`), so it can be killed with SIGKILL. */
  async function startPaved() {
    server = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH, PAVED_DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', PAVED_ADMIN_TOKEN: ADMIN_TOKEN, PAVED_DEMO: 'false', PAVED_GOLDEN_PATHS: 'false', PAVED_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const healthy = await until(
      () => fetch(`http://127.0.0.1:${port}/healthz`).then((response) => response.ok, () => false),
      (ok) => ok,
      60_000,
    );
    expect(healthy).toBe(true);
  }
  const createRepository = (name: string) =>
    fetch(`http://127.0.0.1:${port}/api/git/repositories`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ namespace: 'team-a', name, ownerRef: 'group:default/team-a' }),
    }).then((response) => response.status);

  beforeAll(async () => {
    const probe = net.createServer().listen(0, '127.0.0.1');
    await new Promise((resolve) => probe.once('listening', resolve));
    port = (probe.address() as { port: number }).port;
    await new Promise((resolve) => probe.close(resolve));
  });
  afterAll(async () => {
    server?.kill('SIGKILL');
    fs.rmSync(dataDir, { recursive: true, force: true });
    for (const controller of ['memory', 'pids', 'cpu']) {
      try {
        fs.rmdirSync(`/sys/fs/cgroup/${controller}/paved/${instance}`);
      } catch {
        // Already gone, or the test failed with a group left in it.
      }
    }
  });

  it('a step dies with Paved (kill -9), and the next start kills what is left in Paved’s sandboxes before any job is retried', async () => {
    await startPaved();
    expect(await createRepository('crash')).toBe(201);
    const clone = path.join(dataDir, '..', `${path.basename(dataDir)}-clone`);
    await git(os.tmpdir(), 'clone', '--quiet', `http://x:${ADMIN_TOKEN}@127.0.0.1:${port}/git/team-a/crash.git`, clone);
    fs.mkdirSync(path.join(clone, '.paved'));
    fs.writeFileSync(path.join(clone, '.paved', 'pipeline.yaml'), pipeline(`  on: { push: {} }\n  steps: [{ name: long, run: 'echo attempt; sleep 316' }]\n`));
    await git(clone, 'add', '--all');
    await git(clone, 'commit', '--quiet', '-m', 'a long step');
    await git(clone, 'push', '--quiet', 'origin', 'HEAD:main');
    fs.rmSync(clone, { recursive: true, force: true });
    const running = await until(async () => hostProcesses(['sleep', '316']), (pids) => pids.length > 0, 30_000);
    expect(running.length).toBe(1);
    expect(groupsOf('pids').some((group) => group.startsWith('pipeline-'))).toBe(true);

    server!.kill('SIGKILL');
    const gone = await until(async () => hostProcesses(['sleep', '316']), (pids) => pids.length === 0, 5_000);
    expect(gone).toEqual([]);

    // What a sandbox could still hold after a crash: a process in one of this installation's groups.
    const survivor = spawn('sleep', ['317'], { detached: true, stdio: 'ignore' });
    survivor.unref();
    for (const controller of ['memory', 'pids', 'cpu']) {
      const group = `/sys/fs/cgroup/${controller}/paved/${instance}/pipeline-left-behind`;
      fs.mkdirSync(group, { recursive: true });
      fs.writeFileSync(path.join(group, 'cgroup.procs'), String(survivor.pid));
    }
    expect(hostProcesses(['sleep', '317'])).toEqual([survivor.pid]);

    await startPaved();
    expect(await until(async () => hostProcesses(['sleep', '317']), (pids) => pids.length === 0, 5_000)).toEqual([]);
    for (const controller of ['memory', 'pids', 'cpu']) expect(groupsOf(controller).filter((group) => group.startsWith('pipeline-'))).toEqual([]);
    server!.kill('SIGKILL');
  }, 120_000);
});
