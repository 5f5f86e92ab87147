import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, FIXTURES_DIR, type TestPaved, startTestPaved, writeFiles } from './support/test-paved.js';
import { runPaved } from './support/run-cli.js';

const BACKSTAGE_EXAMPLE_TEMPLATE = path.join(FIXTURES_DIR, 'backstage/backstage/packages/create-app/templates/default-app/examples/template');


const listening = (server: http.Server) => new Promise<string>((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)));
const closing = (server: http.Server) => new Promise<void>((resolve) => server.close(() => resolve()));

/**
 * A proxy in front of Paved that spoils the event stream: `drop` passes the first event of the
 * first stream and then cuts the connection; `refuse` answers every stream with a 502 page.
 * It records the Last-Event-ID of each stream request.
 */
async function startProxy(target: string, mode: 'drop' | 'refuse') {
  const streams: (string | undefined)[] = [];
  const upstream = new URL(target);
  const server = http.createServer((request, response) => {
    const isStream = request.url?.split('?')[0]?.endsWith('/eventstream') ?? false;
    if (isStream) {
      streams.push(request.headers['last-event-id'] as string | undefined);
      if (mode === 'refuse') return void response.writeHead(502, { 'content-type': 'text/html' }).end('<h1>Bad gateway</h1>');
    }
    const forward = http.request({ host: upstream.hostname, port: upstream.port, path: request.url, method: request.method, headers: request.headers }, (answer) => {
      response.writeHead(answer.statusCode ?? 502, answer.headers);
      if (!isStream || streams.length > 1) return void answer.pipe(response);
      let buffered = '';
      answer.on('data', (chunk) => {
        buffered += chunk;
        const end = buffered.indexOf('\n\n');
        if (end < 0) return;
        answer.destroy();
        response.write(buffered.slice(0, end + 2), () => response.destroy());
      });
    });
    request.pipe(forward);
  });
  return { url: await listening(server), streams, close: () => closing(server) };
}

const orderValues = (name: string) => `# what the form would send\nname: ${name}\ndescription: Takes orders.\nowner: group:default/checkout-team\n`;

describe('paved template, against a Paved with its golden paths', () => {
  let paved: TestPaved;
  let dir: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    paved = await startTestPaved('sqlite', {}, { PAVED_GOLDEN_PATHS: 'true' });
    await paved.app.listen({ port: 0, host: '127.0.0.1' });
    paved.start();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paved-cli-template-'));
    const { port } = paved.app.server.address() as AddressInfo;
    env = { HOME: dir, PAVED_URL: `http://127.0.0.1:${port}`, PAVED_TOKEN: ADMIN_TOKEN, PAVED_DATA_DIR: path.join(dir, 'no-data') };
  });
  afterAll(async () => {
    await paved?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('lists the golden paths, in a table and as JSON', async () => {
    const [table, json] = await Promise.all([runPaved(['template', 'list'], { env: env }), runPaved(['template', 'list', '--json'], { env: env })]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^REF\s+TITLE\s+TYPE\s+OWNER\s+DESCRIPTION\n/);
    expect(table.stdout).toMatch(/template:default\/node-service\s+Node\.js HTTP service\s+service\s+platform-team\s+A Node\.js/);
    expect(table.stdout).toMatch(/template:default\/docs-site\s+Documentation site\s+documentation/);
    expect(table.stdout).toContain('template:default/python-service');
    const names = JSON.parse(json.stdout).items.map((entity: { metadata: { name: string } }) => entity.metadata.name);
    expect(names).toEqual(['docs-site', 'node-service', 'python-service']);
  });

  it('runs node-service from a values file, streaming each step, and prints its links; exit 0', async () => {
    const values = path.join(dir, 'orders.yaml');
    fs.writeFileSync(values, orderValues('orders-api'));
    const run = await runPaved(['template', 'run', 'node-service', '--values', values], { env: env });
    expect(run.stderr).toMatch(/^Started task \S+ for template:default\/node-service\.\n$/);
    expect(run.code).toBe(0);
    for (const step of ['fetch', 'publish', 'register']) {
      expect(run.stdout).toContain(`[${step}] Step ${step} started`);
      expect(run.stdout).toContain(`[${step}] Step ${step} finished`);
    }
    expect(run.stdout).toMatch(/^Repository: http:\/\/\S+\/git\/default\/orders-api\.git$/m);
    expect(run.stdout).toContain('Open in catalog: component:default/orders-api');
    expect(run.stdout).toContain('Next steps\n  Clone the new repository');
  });

  it('takes values from --set (read as YAML) and prints the final task with --json; a failing run exits 1 naming its step', async () => {
    const args = ['template', 'run', 'template:default/node-service', '--set', 'name=twice', '--set', 'description=Runs twice.', '--set', 'owner=group:default/a', '--set', 'port=3000'];
    const first = await runPaved([...args, '--json'], { env: env });
    expect(first.code).toBe(0);
    const task = JSON.parse(first.stdout);
    expect(task).toMatchObject({ status: 'completed', spec: { parameters: { name: 'twice', port: 3000 } } });
    expect(task.output.links[0]).toMatchObject({ title: 'Repository' });

    // The repository now exists, so publishing it again fails.
    const second = await runPaved(args, { env: env });
    expect(second.code).toBe(1);
    expect(second.stdout).toContain('[fetch] Step fetch finished');
    expect(second.stderr).toMatch(/error: Task \S+ failed at step publish \(Publish to Paved's git\): Repository default\/twice already exists/);
  });

  it('refuses an invalid value with exit 1, naming each field and its line in the values file', async () => {
    const values = path.join(dir, 'bad.yaml');
    fs.writeFileSync(values, `${orderValues('Bad Name')}port: 80\n`);
    const run = await runPaved(['template', 'run', 'node-service', '--values', values], { env: env });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('[scaffolder.parameters_invalid]');
    expect(run.stderr).toContain(`${values}:2: name must match pattern`);
    expect(run.stderr).toContain(`${values}:5: port must be >= 1024`);
  });

  it('exits 2 on a missing values file, on bad YAML (with its line) and on a ref of another kind', async () => {
    const broken = path.join(dir, 'broken.yaml');
    fs.writeFileSync(broken, 'name: ok\ndescription: "unterminated\n');
    const [missing, yaml, kind] = await Promise.all([
      runPaved(['template', 'run', 'node-service', '--values', path.join(dir, 'none.yaml')], { env: env }),
      runPaved(['template', 'run', 'node-service', '--values', broken], { env: env }),
      runPaved(['template', 'run', 'component:orders-api'], { env: env }),
    ]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('none.yaml: no such file');
    expect(yaml.code).toBe(2);
    expect(yaml.stderr).toMatch(new RegExp(`${broken.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+: `));
    expect(kind.code).toBe(2);
    expect(kind.stderr).toContain('not a template');
  });

  it('reconnects with Last-Event-ID when the stream drops, and shows each line once', async () => {
    const proxy = await startProxy(env.PAVED_URL!, 'drop');
    try {
      const values = path.join(dir, 'dropped.yaml');
      fs.writeFileSync(values, orderValues('dropped-api'));
      const run = await runPaved(['template', 'run', 'node-service', '-f', values], { env: { ...env, PAVED_URL: proxy.url } });
      expect(run.code).toBe(0);
      expect(proxy.streams).toEqual([undefined, '1']);
      expect(run.stderr).toContain('reconnecting after event 1');
      expect(run.stdout.match(/\[fetch\] Step fetch started/g)).toHaveLength(1);
      expect(run.stdout).toContain('[register] Step register finished');
      expect(run.stdout).toContain('Open in catalog: component:default/dropped-api');
    } finally {
      await proxy.close();
    }
  });

  it('polls the events when the event stream cannot be had', async () => {
    const proxy = await startProxy(env.PAVED_URL!, 'refuse');
    try {
      const values = path.join(dir, 'polled.yaml');
      fs.writeFileSync(values, orderValues('polled-api'));
      const run = await runPaved(['template', 'run', 'node-service', '-f', values], { env: { ...env, PAVED_URL: proxy.url } });
      expect(run.code).toBe(0);
      expect(proxy.streams).toHaveLength(1);
      expect(run.stdout).toContain('[publish] Step publish finished');
      expect(run.stdout).toContain('Open in catalog: component:default/polled-api');
    } finally {
      await proxy.close();
    }
  });

  it('dry-runs golden-paths/docs-site: writes the rendered files, skips publishing', async () => {
    const values = path.join(dir, 'handbook.yaml');
    fs.writeFileSync(values, 'name: handbook\ndescription: How we work.\nowner: group:default/platform-team\n');
    const output = path.join(dir, 'handbook-out');
    const run = await runPaved(['template', 'dry-run', 'golden-paths/docs-site', '--values', values, '--output', output], { env: env });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('[fetch] Finished step Render the skeleton');
    expect(run.stdout).toMatch(/\[publish\] Skipped step publish/);
    expect(run.stdout).toContain(`files written to ${output}:\n`);
    expect(run.stdout).toContain('  docs/index.md\n');
    expect(fs.readFileSync(path.join(output, 'catalog-info.yaml'), 'utf8')).toMatch(/name: "?handbook"?/);
    expect(fs.existsSync(path.join(output, 'docs/index.md'))).toBe(true);
    // Nothing was published: a run would have created this repository.
    expect((await paved.call('GET', '/api/git/repositories/default/handbook')).status).toBe(404);
  });

  it("refuses Backstage's example template, which uses notification:send: exit 1, naming the action and its line", async () => {
    const output = path.join(dir, 'backstage-out');
    const run = await runPaved(['template', 'dry-run', BACKSTAGE_EXAMPLE_TEMPLATE, '--set', 'name=demo', '--set', 'repoUrl=github.com?owner=a&repo=b', '-o', output], { env: env });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('[scaffolder.action_unknown]');
    const line = fs.readFileSync(path.join(BACKSTAGE_EXAMPLE_TEMPLATE, 'template.yaml'), 'utf8').split('\n').indexOf('      action: notification:send') + 1;
    expect(run.stderr).toContain(`${path.join(BACKSTAGE_EXAMPLE_TEMPLATE, 'template.yaml')}:${line}: unknown action notification:send`);
    expect(fs.existsSync(output)).toBe(false);
  });

  it('keeps the executable bit, and places a failing skeleton file and line under DIR', async () => {
    const template = path.join(dir, 'tiny');
    writeFiles(template, {
      'template.yaml': [
        'apiVersion: scaffolder.backstage.io/v1beta3',
        'kind: Template',
        'metadata: { name: tiny }',
        'spec:',
        '  owner: group:default/team-a',
        '  type: service',
        '  steps:',
        '    - id: fetch',
        '      action: fetch:template',
        "      input: { url: ./skeleton, values: { name: '${{ parameters.name }}' } }",
        '',
      ].join('\n'),
      'skeleton/bin/start.sh': '#!/bin/sh\necho ${{ values.name }}\n',
    });
    fs.chmodSync(path.join(template, 'skeleton/bin/start.sh'), 0o755);
    const output = path.join(dir, 'tiny-out');
    const run = await runPaved(['template', 'dry-run', template, '--set', 'name=tiny-one', '-o', output], { env: env });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('  bin/start.sh (executable)\n');
    expect(fs.statSync(path.join(output, 'bin/start.sh')).mode & 0o111).not.toBe(0);
    expect(fs.readFileSync(path.join(output, 'bin/start.sh'), 'utf8')).toBe('#!/bin/sh\necho tiny-one\n');

    fs.writeFileSync(path.join(template, 'skeleton/bin/start.sh'), '#!/bin/sh\necho ${{ values.name | nope }}\n');
    const failed = await runPaved(['template', 'dry-run', template, '--set', 'name=tiny-one', '-o', output], { env: env });
    expect(failed.code).toBe(1);
    expect(failed.stdout).toContain('[fetch] Beginning step');
    expect(failed.stderr).toContain('[scaffolder.step_failed]');
    expect(failed.stderr).toContain(`${path.join(template, 'skeleton/bin/start.sh')}:2`);
  });
});

describe('paved template dry-run, against a server answering what it likes', () => {
  let server: http.Server;
  let dir: string;
  let env: Record<string, string>;
  let answer: unknown;
  let received: { directoryContents: { path: string; executable: boolean }[]; template: { kind: string } } | undefined;

  beforeAll(async () => {
    server = http.createServer((request, response) => {
      let body = '';
      request.on('data', (chunk) => (body += chunk));
      request.on('end', () => {
        received = JSON.parse(body);
        response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
      });
    });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paved-cli-template-fake-'));
    env = { HOME: dir, PAVED_URL: await listening(server), PAVED_TOKEN: 'any' };
    writeFiles(path.join(dir, 'tpl'), {
      'template.yaml': 'apiVersion: scaffolder.backstage.io/v1beta3\nkind: Template\nmetadata: { name: t }\nspec: { steps: [] }\n',
      'content/run.sh': '#!/bin/sh\n',
      '.git/HEAD': 'ref: refs/heads/main\n',
      'node_modules/left-pad/index.js': '',
      'content/node_modules/deep/index.js': '',
    });
    fs.chmodSync(path.join(dir, 'tpl/content/run.sh'), 0o755);
  });
  afterAll(async () => {
    await closing(server);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const file = (filePath: string) => ({ path: filePath, base64Content: Buffer.from('x').toString('base64'), executable: false });

  it('sends every file of the folder but .git/ and node_modules/, with its executable bit', async () => {
    answer = { log: [], directoryContents: [], output: {} };
    const run = await runPaved(['template', 'dry-run', path.join(dir, 'tpl'), '-o', path.join(dir, 'out')], { env: env });
    expect(run.code).toBe(0);
    expect(received?.template.kind).toBe('Template');
    expect(received?.directoryContents.map(({ path: filePath, executable }) => ({ path: filePath, executable }))).toEqual([
      { path: 'content/run.sh', executable: true },
      { path: 'template.yaml', executable: false },
    ]);
  });

  it.each(['../escaped.txt', 'docs/../../escaped.txt', '/tmp/paved-escaped.txt'])('refuses to write %s, and writes nothing, exit 1', async (badPath) => {
    answer = { log: [], directoryContents: [file('fine.txt'), file(badPath)], output: {} };
    const output = path.join(dir, 'guarded');
    const run = await runPaved(['template', 'dry-run', path.join(dir, 'tpl'), '-o', output], { env: env });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`Refusing to write ${JSON.stringify(badPath)}`);
    expect(fs.existsSync(path.join(output, 'fine.txt'))).toBe(false);
    expect(fs.existsSync(path.join(dir, 'escaped.txt'))).toBe(false);
    expect(fs.existsSync('/tmp/paved-escaped.txt')).toBe(false);
  });

  it('refuses to write through a symbolic link already in the output folder', async () => {
    const output = path.join(dir, 'linked');
    fs.mkdirSync(output);
    fs.mkdirSync(path.join(dir, 'elsewhere'));
    fs.symlinkSync(path.join(dir, 'elsewhere'), path.join(output, 'docs'));
    answer = { log: [], directoryContents: [file('docs/index.md')], output: {} };
    const run = await runPaved(['template', 'dry-run', path.join(dir, 'tpl'), '-o', output], { env: env });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('a symbolic link');
    expect(fs.readdirSync(path.join(dir, 'elsewhere'))).toEqual([]);
  });
});
