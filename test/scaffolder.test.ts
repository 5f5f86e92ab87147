import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, type TestPaved, startTestPaved, writeFiles } from './support/test-paved.js';
import { TEAM_A_PEOPLE } from './support/people.js';
import { until } from './support/until.js';

const run = promisify(execFile);

/** A small template in Backstage's style, with a skeleton, conditions and each. */
const template = `apiVersion: scaffolder.backstage.io/v1beta3
kind: Template
metadata: { name: tiny-service, title: Tiny service }
spec:
  owner: group:default/team-a
  type: service
  parameters:
    - title: Service
      required: [name, owner]
      properties:
        name: { type: string, pattern: '^[a-z][a-z0-9-]+$' }
        owner: { type: string }
        withDocs: { type: boolean, default: false }
        tags: { type: array, items: { type: string }, default: [] }
  steps:
    - id: fetch
      action: fetch:template
      input:
        url: ./skeleton
        values:
          name: \${{ parameters.name }}
          owner: \${{ parameters.owner }}
          creator: \${{ user.entity.metadata.name }}
    - id: docs
      if: \${{ parameters.withDocs }}
      action: fetch:plain
      input: { url: ./docs, targetPath: docs }
    - id: tags
      each: \${{ parameters.tags }}
      action: fetch:template:file
      input:
        url: ./tag.txt
        targetPath: tags/\${{ each.value }}.txt
        values:
          tag: \${{ each.value }}
          index: \${{ each.key }}
    - id: publish
      action: publish:git
      input:
        repoUrl: paved?owner=team-a&repo=\${{ parameters.name }}
        owner: \${{ parameters.owner }}
    - id: register
      action: catalog:register
      input:
        repoContentsUrl: \${{ steps.publish.output.repoContentsUrl }}
        catalogInfoPath: /catalog-info.yaml
  output:
    links:
      - title: Repository
        url: \${{ steps.publish.output.remoteUrl }}
      - title: Open in catalog
        icon: catalog
        entityRef: \${{ steps.register.output.entityRef }}
    text:
      - title: Tags
        content: \${{ parameters.tags | join(', ') }}
`;

const skeleton = {
  'catalog-info.yaml': `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: \${{ values.name | dump }}
spec:
  type: service
  owner: \${{ values.owner }}
  lifecycle: experimental
`,
  'README.md': '# ${{ values.name }}\n{% if values.owner %}Owned by ${{ values.owner }}.{% endif %}\nCreated by ${{ values.creator }}.\n',
  'src/${{ values.name }}.js': "console.log('${{ values.name }}');\n",
};

describe.each(DIALECTS)('software templates on %s', (dialect) => {
  let paved: TestPaved;
  let base: string;
  let ada: string;
  let eve: string;
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'paved-scaffolder-'));

  beforeAll(async () => {
    paved = await startTestPaved(dialect);
    base = await paved.app.listen({ port: 0, host: '127.0.0.1' });
    paved.start();
    await paved.call('POST', '/api/catalog/entities', { body: TEAM_A_PEOPLE });
    ada = (await paved.call('POST', '/api/access/tokens', { body: { name: 't', userRef: 'user:default/ada' } })).body.token;
    eve = (await paved.call('POST', '/api/access/tokens', { body: { name: 't', userRef: 'user:default/eve' } })).body.token;
    const dir = path.join(paved.filesDir, 'tiny');
    writeFiles(dir, {
      'template.yaml': template,
      ...Object.fromEntries(Object.entries(skeleton).map(([name, text]) => [`skeleton/${name}`, text])),
      'docs/index.md': '# Docs ${{ not rendered }}\n',
      'tag.txt': 'tag ${{ values.tag }} #${{ values.index }}\n',
    });
    const added = await paved.call('POST', '/api/catalog/locations', { body: { type: 'file', target: path.join(dir, 'template.yaml') } });
    expect(added.status).toBe(201);
    writeFiles(path.join(paved.filesDir, 'others'), {
      'catalog-info.yaml': `apiVersion: backstage.io/v1alpha1
kind: Location
metadata: { name: others }
spec: { targets: [./linked.yaml, ./slow.yaml, ./notify.yaml] }
`,
      'linked.yaml': `apiVersion: scaffolder.backstage.io/v1beta3
kind: Template
metadata: { name: linked }
spec:
  type: service
  steps:
    - { id: fetch, action: fetch:plain, input: { url: ./linked-skeleton } }
`,
      'linked-skeleton/README.md': 'hello',
      'slow.yaml': `apiVersion: scaffolder.backstage.io/v1beta3
kind: Template
metadata: { name: slow }
spec:
  type: service
  parameters: { properties: { seconds: { type: number, default: 30 } } }
  steps:
    - id: say
      action: debug:log
      input: { message: 'using \${{ secrets.apiToken }}' }
    - id: wait
      action: debug:wait
      input: { seconds: '\${{ parameters.seconds }}' }
  output:
    text: [{ title: done, content: waited }]
`,
      'notify.yaml': `apiVersion: scaffolder.backstage.io/v1beta3
kind: Template
metadata: { name: notify }
spec:
  type: service
  steps:
    - { id: hello, action: debug:log, input: { message: hi } }
    - { id: notify, action: notification:send, input: { title: hi } }
`,
    });
    fs.symlinkSync('/etc/passwd', path.join(paved.filesDir, 'others/linked-skeleton/passwd'));
    expect((await paved.call('POST', '/api/catalog/locations', { body: { type: 'file', target: path.join(paved.filesDir, 'others/catalog-info.yaml') } })).status).toBe(201);
  });
  afterAll(async () => {
    await paved?.close();
  });

  async function finished(id: string, token: string) {
    return until(
      async () => (await paved.call('GET', `/api/scaffolder/v2/tasks/${id}`, { token })).body,
      (task) => ['completed', 'failed', 'cancelled'].includes(task.status),
    );
  }

  it('runs a template: renders, publishes to embedded git, registers the component, and gives the output links', async () => {
    const started = await paved.call('POST', '/api/scaffolder/v2/tasks', {
      token: ada,
      body: { templateRef: 'template:default/tiny-service', values: { name: 'orders', owner: 'group:default/team-a', withDocs: true, tags: ['a', 'b'] } },
    });
    expect(started.status).toBe(201);
    const task = await finished(started.body.id, ada);
    expect(task.error).toBeUndefined();
    expect(task.status).toBe('completed');
    expect(task.spec.templateInfo.entityRef).toBe('template:default/tiny-service');
    expect(task.output.links[0].url).toBe(`${base.replace('127.0.0.1', 'localhost')}/git/team-a/orders.git`);
    expect(task.output.links[1].entityRef).toBe('component:default/orders');
    expect(task.output.text[0].content).toBe('a, b');

    const clone = path.join(work, `${dialect}-orders`);
    await run('git', ['clone', '--quiet', `http://ada:${ada}@${base.replace('http://', '')}/git/team-a/orders.git`, clone]);
    expect(fs.readFileSync(path.join(clone, 'README.md'), 'utf8')).toBe('# orders\nOwned by group:default/team-a.\nCreated by ada.\n');
    expect(fs.readFileSync(path.join(clone, 'src/orders.js'), 'utf8')).toBe("console.log('orders');\n");
    expect(fs.readFileSync(path.join(clone, 'docs/index.md'), 'utf8')).toBe('# Docs ${{ not rendered }}\n');
    expect(fs.readFileSync(path.join(clone, 'tags/b.txt'), 'utf8')).toBe('tag b #1\n');

    const component = await paved.call('GET', '/api/catalog/entities/by-name/component/default/orders');
    expect(component.body.spec.owner).toBe('group:default/team-a');
    const pushes = await paved.call('GET', '/api/git/repositories/team-a/orders/pushes');
    expect(pushes.body.items[0].pusher).toBe('user:default/ada');
  });

  it('streams the events of a run, Backstage style, ending with the completion and its output', async () => {
    const started = await paved.call('POST', '/api/scaffolder/v2/tasks', {
      token: ada,
      body: { templateRef: 'template:default/tiny-service', values: { name: 'stream', owner: 'group:default/team-a' } },
    });
    const response = await fetch(`${base}/api/scaffolder/v2/tasks/${started.body.id}/eventstream`, { headers: { authorization: `Bearer ${ada}` } });
    const text = await response.text();
    const events = text
      .split('\n\n')
      .filter((chunk) => chunk.includes('data: '))
      .map((chunk) => JSON.parse(chunk.slice(chunk.indexOf('data: ') + 6)));
    expect(events.at(-1)).toMatchObject({ type: 'completion', body: { status: 'completed', output: { links: [{ title: 'Repository' }, { entityRef: 'component:default/stream' }] } } });
    expect(events.filter((event) => event.body.stepId === 'docs').map((event) => event.body.status)).toEqual(['processing', 'skipped']);
    expect(events.filter((event) => event.body.stepId === 'publish').map((event) => event.body.status)).toContain('completed');

    const after = events[2].id;
    const rest = await paved.call('GET', `/api/scaffolder/v2/tasks/${started.body.id}/events?after=${after}`, { token: ada });
    expect(rest.body.map((event: { id: number }) => event.id)).toEqual(events.slice(3).map((event) => event.id));
  });

  it('refuses missing and invalid parameters with 400, naming each field; nothing is queued', async () => {
    const before = (await paved.call('GET', '/api/scaffolder/v2/tasks', { token: ada })).body.totalTasks;
    const bad = await paved.call('POST', '/api/scaffolder/v2/tasks', { token: ada, body: { templateRef: 'template:default/tiny-service', values: { name: 'Not Valid!', tags: 'x' } } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('scaffolder.parameters_invalid');
    expect(bad.body.error.details.problems.map((problem: { path: string }) => problem.path).sort()).toEqual(['name', 'owner', 'tags']);
    expect((await paved.call('GET', '/api/scaffolder/v2/tasks', { token: ada })).body.totalTasks).toBe(before);
    const missing = await paved.call('POST', '/api/scaffolder/v2/tasks', { token: ada, body: { templateRef: 'template:default/nope', values: {} } });
    expect(missing.status).toBe(404);
    const shortRef = await paved.call('POST', '/api/scaffolder/v2/tasks', { token: ada, body: { templateRef: 'tiny-service', values: {} } });
    expect(shortRef.body.error.code).toBe('scaffolder.parameters_invalid');
  });

  it("keeps runs to their users: someone else's run is not found, and lists show one's own", async () => {
    const started = await paved.call('POST', '/api/scaffolder/v2/tasks', { token: ada, body: { templateRef: 'template:default/tiny-service', values: { name: 'private-run', owner: 'group:default/team-a' } } });
    expect((await paved.call('GET', `/api/scaffolder/v2/tasks/${started.body.id}`, { token: eve })).status).toBe(404);
    expect((await paved.call('POST', `/api/scaffolder/v2/tasks/${started.body.id}/cancel`, { token: eve })).status).toBe(404);
    expect((await paved.call('GET', '/api/scaffolder/v2/tasks', { token: eve })).body.tasks).toEqual([]);
    const mine = (await paved.call('GET', '/api/scaffolder/v2/tasks', { token: ada })).body;
    expect(mine.tasks.every((task: { createdBy: string }) => task.createdBy === 'user:default/ada')).toBe(true);
    expect((await paved.call('GET', '/api/scaffolder/v2/tasks', { token: null })).status).toBe(401);
    await finished(started.body.id, ada);
  });

  it('fails a run whose user may not publish for the chosen owner, naming the step; a retry after the fix resumes there', async () => {
    const started = await paved.call('POST', '/api/scaffolder/v2/tasks', { token: eve, body: { templateRef: 'template:default/tiny-service', values: { name: 'not-mine', owner: 'group:default/team-a' } } });
    const task = await finished(started.body.id, eve);
    expect(task.status).toBe('failed');
    expect(task.error.step).toBe('publish');
    expect(task.error.message).toMatch(/not allowed|may not|forbidden/i);
  });

  it('lists the actions with their schemas, and serves the parameter schema of a template', async () => {
    const actions = await paved.call('GET', '/api/scaffolder/v2/actions', { token: eve });
    const ids = actions.body.map((action: { id: string }) => action.id);
    for (const id of ['fetch:template', 'fetch:template:file', 'fetch:plain', 'fetch:plain:file', 'fs:delete', 'fs:rename', 'publish:git', 'catalog:register', 'catalog:write', 'debug:log', 'debug:wait', 'publish:github', 'publish:gitlab']) {
      expect(ids).toContain(id);
    }
    expect(actions.body.find((action: { id: string }) => action.id === 'publish:git').schema.output.properties.remoteUrl.type).toBe('string');
    const schema = await paved.call('GET', '/api/scaffolder/v2/templates/default/template/tiny-service/parameter-schema', { token: eve });
    expect(schema.body.title).toBe('Tiny service');
    expect(schema.body.steps[0].schema.required).toEqual(['name', 'owner']);
  });

  it('refuses a skeleton holding a symbolic link: the run fails at that step, naming the link', async () => {
    const started = await paved.call('POST', '/api/scaffolder/v2/tasks', { token: ada, body: { templateRef: 'template:default/linked', values: {} } });
    const task = await finished(started.body.id, ada);
    expect(task.status).toBe('failed');
    expect(task.error).toMatchObject({ step: 'fetch' });
    expect(task.error.message).toContain('passwd is a symbolic link');
  });

  it('refuses to start a template that uses an action Paved lacks, naming it; nothing runs', async () => {
    const before = (await paved.call('GET', '/api/scaffolder/v2/tasks', { token: ada })).body.totalTasks;
    const refused = await paved.call('POST', '/api/scaffolder/v2/tasks', { token: ada, body: { templateRef: 'template:default/notify', values: {} } });
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe('scaffolder.action_unknown');
    expect(refused.body.error.message).toContain('notification:send');
    expect((await paved.call('GET', '/api/scaffolder/v2/tasks', { token: ada })).body.totalTasks).toBe(before);
  });

  it('cancels a running template and retries it from the step it stopped at; secrets stay out of logs and responses', async () => {
    const secret = 'sk_live_0123456789abcdef';
    const started = await paved.call('POST', '/api/scaffolder/v2/tasks', { token: ada, body: { templateRef: 'template:default/slow', values: { seconds: 30 }, secrets: { apiToken: secret } } });
    const id = started.body.id;
    await until(async () => (await paved.call('GET', `/api/tasks/${id}/logs`, { token: ada })).body.items, (items) => items.some((line: { stepId: string; stepStatus: string }) => line.stepId === 'wait' && line.stepStatus === 'processing'));
    const cancelled = await paved.call('POST', `/api/scaffolder/v2/tasks/${id}/cancel`, { token: ada });
    expect(cancelled.status).toBe(200);
    expect((await finished(id, ada)).status).toBe('cancelled');

    // The retry resumes at "wait": "say" is not run again.
    expect((await paved.call('POST', `/api/scaffolder/v2/tasks/${id}/retry`, { token: ada })).status).toBe(201);
    const logs = async () => (await paved.call('GET', `/api/tasks/${id}/logs`, { token: ada })).body.items as { stepId: string; stepStatus: string; message: string }[];
    await until(logs, (items) => items.filter((line) => line.stepId === 'wait' && line.stepStatus === 'processing').length === 2);
    await paved.call('POST', `/api/scaffolder/v2/tasks/${id}/cancel`, { token: ada });
    await finished(id, ada);
    const lines = await logs();
    expect(lines.filter((line) => line.stepId === 'say' && line.stepStatus === 'processing')).toHaveLength(1);
    expect(lines.find((line) => line.stepId === 'say' && line.stepStatus === null)?.message).toBe('using ***');
    const everything = JSON.stringify([lines, (await paved.call('GET', `/api/tasks/${id}`, { token: ada })).body, (await paved.call('GET', `/api/scaffolder/v2/tasks/${id}`, { token: ada })).body]);
    expect(everything).not.toContain(secret);
  });
});
