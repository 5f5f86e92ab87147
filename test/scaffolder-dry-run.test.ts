import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { FIXTURES_DIR, type TestPaved, startTestPaved } from './support/test-paved.js';

const BACKSTAGE_EXAMPLE = path.join(FIXTURES_DIR, 'backstage/backstage/packages/create-app/templates/default-app/examples/template');

/** Every file of a folder as Backstage's dry-run takes them. */
function directoryContents(dir: string) {
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => {
      const file = path.join(entry.parentPath, entry.name);
      return { path: path.relative(dir, file), base64Content: fs.readFileSync(file).toString('base64'), executable: false };
    });
}

const encode = (files: Record<string, string>) => Object.entries(files).map(([file, text]) => ({ path: file, base64Content: Buffer.from(text).toString('base64'), executable: false }));
const decode = (entries: { path: string; base64Content: string }[]) => Object.fromEntries(entries.map((entry) => [entry.path, Buffer.from(entry.base64Content, 'base64').toString('utf8')]));

function templateWith(steps: unknown[], parameters: unknown = { properties: { name: { type: 'string' } } }) {
  return { apiVersion: 'scaffolder.backstage.io/v1beta3', kind: 'Template', metadata: { name: 'probe' }, spec: { owner: 'user:default/admin', type: 'service', parameters, steps } };
}

describe('template dry-runs and bad input', () => {
  let paved: TestPaved;

  beforeAll(async () => {
    paved = await startTestPaved('sqlite', { scaffolder: { maxOutputBytes: 64 * 1024, maxFiles: 20 } });
  });
  afterAll(async () => {
    await paved?.close();
  });

  const dryRun = (body: Record<string, unknown>) => paved.call('POST', '/api/scaffolder/v2/dry-run', { body: { values: {}, directoryContents: [], ...body } });

  it("renders Backstage's own example template, skipping the publish and register steps as Backstage does", async () => {
    const template = parse(fs.readFileSync(path.join(BACKSTAGE_EXAMPLE, 'template.yaml'), 'utf8'));
    // Paved has no notifications; the rest of the example is unchanged.
    template.spec.steps = template.spec.steps.filter((step: { action: string }) => step.action !== 'notification:send');
    const result = await dryRun({ template, values: { name: 'my-app', repoUrl: 'github.com?owner=acme&repo=my-app' }, directoryContents: directoryContents(BACKSTAGE_EXAMPLE) });
    expect(result.status).toBe(200);
    const files = decode(result.body.directoryContents);
    expect(Object.keys(files).sort()).toEqual(['catalog-info.yaml', 'index.js', 'package.json']);
    expect(parse(files['catalog-info.yaml']!).metadata.name).toBe('my-app');
    expect(JSON.parse(files['package.json']!).name).toBe('my-app');
    expect(files['index.js']).toBe("console.log('Hello from my-app!');\n");
    const statuses = Object.fromEntries(result.body.log.filter((entry: { body: { status?: string } }) => entry.body.status && entry.body.status !== 'processing').map((entry: { body: { stepId: string; status: string } }) => [entry.body.stepId, entry.body.status]));
    expect(statuses).toEqual({ 'fetch-base': 'completed', publish: 'skipped', register: 'skipped' });
    expect(result.body.output.links[0].url).toMatch(/^https:\/\//);
    expect(result.body.steps.map((step: { id: string }) => step.id)).toEqual(['fetch-base', 'publish', 'register']);
  });

  it('refuses a template that uses an action Paved lacks, naming the action, before any step runs', async () => {
    const template = parse(fs.readFileSync(path.join(BACKSTAGE_EXAMPLE, 'template.yaml'), 'utf8'));
    const result = await dryRun({ template, values: { name: 'my-app', repoUrl: 'github.com?owner=acme&repo=my-app' }, directoryContents: directoryContents(BACKSTAGE_EXAMPLE) });
    expect(result.status).toBe(400);
    expect(result.body.error.code).toBe('scaffolder.action_unknown');
    expect(result.body.error.message).toContain('notification:send');
    expect(result.body.error.details.problems[0].path).toBe('spec.steps[3].action');
  });

  it('fails a rendering error naming the step, the file and the line', async () => {
    const template = templateWith([{ id: 'fetch', action: 'fetch:template', input: { url: './skeleton', values: { name: '${{ parameters.name }}' } } }]);
    const result = await dryRun({ template, values: { name: 'x' }, directoryContents: encode({ 'skeleton/ok.txt': 'fine\n', 'skeleton/src/app.js': 'one\ntwo\n${{ values.name | nosuchfilter }}\n' }) });
    expect(result.status).toBe(400);
    expect(result.body.error.code).toBe('scaffolder.step_failed');
    expect(result.body.error.message).toContain('Step fetch (fetch:template)');
    expect(result.body.error.message).toContain('skeleton/src/app.js line 3');
    expect(result.body.error.details).toMatchObject({ file: './skeleton/src/app.js', line: 3, step: 'fetch' });
    const runtime = await dryRun({ template, values: { name: 'x' }, directoryContents: encode({ 'skeleton/b.txt': 'one\n${{ nope() }}\n' }) });
    expect(runtime.body.error.message).toContain('skeleton/b.txt line 2: Unable to call `nope`');
  });

  it('refuses output paths that escape the workspace: ../, absolute paths, and files sent outside the template folder', async () => {
    const skeleton = encode({ 'skeleton/a.txt': 'a' });
    for (const targetPath of ['../outside', '/tmp/paved-escape', 'sub/../../outside']) {
      const result = await dryRun({ template: templateWith([{ id: 'fetch', action: 'fetch:plain', input: { url: './skeleton', targetPath } }]), directoryContents: skeleton });
      expect(result.status, targetPath).toBe(400);
      expect(result.body.error.code).toBe('scaffolder.step_failed');
      expect(result.body.error.message).toMatch(/outside the workspace|relative path inside the workspace/);
    }
    const renamed = await dryRun({ template: templateWith([{ id: 'fetch', action: 'fetch:plain', input: { url: './skeleton' } }, { id: 'move', action: 'fs:rename', input: { files: [{ from: 'a.txt', to: '../../a.txt' }] } }]), directoryContents: skeleton });
    expect(renamed.body.error.message).toContain('input.files[0].to');
    const reachOut = await dryRun({ template: templateWith([{ id: 'fetch', action: 'fetch:plain', input: { url: '../../../../etc' } }]), directoryContents: skeleton });
    expect(reachOut.status).toBe(400);
    expect(reachOut.body.error.message).toMatch(/outside the folders templates may read from|Nothing at/);
    const sentOutside = await dryRun({ template: templateWith([]), directoryContents: encode({ '../evil.txt': 'x' }) });
    expect(sentOutside.status).toBe(400);
    expect(sentOutside.body.error.details.path).toBe('directoryContents[0].path');
    expect(fs.existsSync('/tmp/paved-escape')).toBe(false);
  });

  it('refuses output over the size and file limits', async () => {
    const big = encode({ 'skeleton/big.txt': 'x'.repeat(100 * 1024) });
    const tooBig = await dryRun({ template: templateWith([{ id: 'fetch', action: 'fetch:plain', input: { url: './skeleton' } }]), directoryContents: big });
    expect(tooBig.status).toBe(400);
    expect(tooBig.body.error.message).toMatch(/wrote \d+ bytes; the limit is 65536/);
    const many = encode(Object.fromEntries(Array.from({ length: 25 }, (_, index) => [`skeleton/f${index}.txt`, 'x'])));
    const tooMany = await dryRun({ template: templateWith([{ id: 'fetch', action: 'fetch:plain', input: { url: './skeleton' } }]), directoryContents: many });
    expect(tooMany.body.error.message).toMatch(/wrote 25 files; the limit is 20/);
  });

  it('redacts secrets from the log and from errors', async () => {
    const secret = 'ghp_verysecretvalue123';
    const template = templateWith([
      { id: 'say', action: 'debug:log', input: { message: 'token is ${{ secrets.token }}' } },
      { id: 'boom', action: 'fs:rename', input: { files: [{ from: '${{ secrets.token }}', to: 'x' }] } },
    ]);
    const result = await dryRun({ template, secrets: { token: secret } });
    expect(JSON.stringify(result.body)).not.toContain(secret);
    expect(result.body.error.details.log.find((entry: { body: { stepId?: string } }) => entry.body.stepId === 'say' && !('status' in entry.body)).body.message).toBe('token is ***');
    expect(result.body.error.message).toContain('*** does not exist');
  });

  it('keeps expressions away from Node: known sandbox escapes render nothing or fail, and reveal nothing', async () => {
    const payloads = [
      "${{ ''.constructor.constructor('return process')().version }}",
      '${{ range.constructor("return process.version")() }}',
      "${{ cycler.constructor('return process')().version }}",
      "${{ joiner().constructor.constructor('return process')().version }}",
      "${{ ''.split.constructor('return process')().version }}",
      "${{ parameters.__proto__.constructor.constructor('return process')().version }}",
      "${{ parameters['constr' + 'uctor']['constr' + 'uctor']('return process')().version }}",
      "{% set f = range.constructor %}${{ f('return process')().version }}",
      "${{ ''.toString.call.constructor('return process')().version }}",
      "${{ ''.replace.apply }}${{ [].concat.bind }}",
      "${{ range(0, 100000000) | length }}",
    ];
    for (const message of payloads) {
      const result = await dryRun({ template: templateWith([{ id: 'probe', action: 'debug:log', input: { message } }]), values: { name: 'x' } });
      const text = JSON.stringify(result.body);
      expect(text, message).not.toContain(process.version);
      if (result.status === 200) {
        const logged = result.body.log.filter((entry: { body: { stepId?: string; status?: string } }) => entry.body.stepId === 'probe' && !entry.body.status);
        expect(logged.map((entry: { body: { message: string } }) => entry.body.message).join(''), message).toMatch(/^(function.*)?$/s);
      } else {
        expect(result.status, message).toBe(400);
      }
    }
    const inCondition = await dryRun({ template: templateWith([{ id: 'probe', if: "${{ ''.constructor.constructor('return process')() }}", action: 'debug:log', input: { message: 'ran' } }]) });
    expect(JSON.stringify(inCondition.body)).not.toContain('"ran"');
  });

  it('checks each action input against its schema, naming the field', async () => {
    const result = await dryRun({ template: templateWith([{ id: 'fetch', action: 'fetch:template', input: { targetPath: 3, colour: 'red' } }]) });
    expect(result.status).toBe(400);
    expect(result.body.error.message).toContain('Step fetch (fetch:template)');
    expect(result.body.error.details.problems.map((problem: { path: string }) => problem.path).sort()).toEqual(['input.colour', 'input.targetPath', 'input.url']);
  });

  it('refuses a template that is not a valid entity, and directory contents that are not base64 files', async () => {
    const invalid = await dryRun({ template: { apiVersion: 'scaffolder.backstage.io/v1beta3', kind: 'Template', metadata: { name: 'no spec' } } });
    expect(invalid.status).toBe(400);
    expect(invalid.body.error.code).toBe('scaffolder.template_invalid');
    const notFiles = await dryRun({ template: templateWith([]), directoryContents: [{ path: 'a' }] });
    expect(notFiles.status).toBe(400);
  });
});
