import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, type TestPaved, startTestPaved, writeFiles } from './support/test-paved.js';
import { until } from './support/until.js';

interface Recorded {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: unknown;
}

/**
 * Stand-ins for GitHub's and GitLab's REST APIs: they answer the calls publish:github and
 * publish:gitlab make, and hand out clone URLs that point at Paved's own git hosting, so the
 * push at the end is a real one. The real services cannot be reached from here.
 */
function startFakeHost(routes: (request: Recorded) => unknown) {
  const requests: Recorded[] = [];
  const server = http.createServer((request, response) => {
    let text = '';
    request.on('data', (chunk) => (text += chunk));
    request.on('end', () => {
      const recorded = { method: request.method!, url: request.url!, headers: request.headers, body: text ? JSON.parse(text) : undefined };
      requests.push(recorded);
      const answer = routes(recorded) ?? { status: 404, body: { message: 'Not Found' } };
      const { status, body } = typeof answer === 'object' && answer !== null && 'status' in answer ? (answer as { status: number; body: unknown }) : { status: 200, body: answer };
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    });
  });
  return new Promise<{ url: string; requests: Recorded[]; close(): void }>((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests, close: () => server.close() })),
  );
}

const templateFor = (action: string, host: string) => `apiVersion: scaffolder.backstage.io/v1beta3
kind: Template
metadata: { name: to-${action.split(':')[1]} }
spec:
  type: service
  parameters: { properties: { name: { type: string } } }
  steps:
    - id: fetch
      action: fetch:template
      input: { url: ./skeleton, values: { name: '\${{ parameters.name }}' } }
    - id: publish
      action: ${action}
      input:
        repoUrl: ${host}?owner=acme&repo=\${{ parameters.name }}
        description: The \${{ parameters.name }} service
        repoVisibility: internal
  output:
    links: [{ title: Repository, url: '\${{ steps.publish.output.remoteUrl }}' }]
`;

describe('publishing to GitHub and GitLab (against local stand-ins of their APIs)', () => {
  let paved: TestPaved;
  let pavedUrl = '';
  let github: Awaited<ReturnType<typeof startFakeHost>>;
  let gitlab: Awaited<ReturnType<typeof startFakeHost>>;

  beforeAll(async () => {
    github = await startFakeHost((request) => {
      if (request.method === 'GET' && request.url === '/users/acme') return { login: 'acme', type: 'Organization' };
      if (request.method === 'POST' && request.url === '/orgs/acme/repos') {
        const { name } = request.body as { name: string };
        if (name === 'taken') return { status: 422, body: { message: 'Repository creation failed: name already exists on this account' } };
        return { clone_url: `${pavedUrl}/git/acme/${name}.git`, html_url: `https://github.example/acme/${name}` };
      }
      return undefined;
    });
    gitlab = await startFakeHost((request) => {
      if (request.method === 'GET' && request.url === '/api/v4/namespaces/acme') return { id: 42, full_path: 'acme' };
      if (request.method === 'POST' && request.url === '/api/v4/projects') {
        const { path: name } = request.body as { path: string };
        return { http_url_to_repo: `${pavedUrl}/git/acme/${name}.git`, web_url: `https://gitlab.example/acme/${name}` };
      }
      return undefined;
    });
    // The admin token doubles as the hosts' token: Paved's git accepts it as the password.
    paved = await startTestPaved('sqlite', {}, { PAVED_GITHUB_TOKEN: ADMIN_TOKEN, PAVED_GITHUB_API_URL: github.url, PAVED_GITLAB_TOKEN: ADMIN_TOKEN, PAVED_GITLAB_URL: gitlab.url });
    pavedUrl = await paved.app.listen({ port: 0, host: '127.0.0.1' });
    paved.start();
    writeFiles(paved.filesDir, {
      'remote/github.yaml': templateFor('publish:github', 'github.com'),
      'remote/gitlab.yaml': templateFor('publish:gitlab', 'gitlab.com'),
      'remote/skeleton/README.md': '# ${{ values.name }}\n',
      'remote/catalog-info.yaml': 'apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata: { name: remote }\nspec: { targets: [./github.yaml, ./gitlab.yaml] }\n',
    });
    await paved.call('POST', '/api/catalog/locations', { body: { type: 'file', target: path.join(paved.filesDir, 'remote/catalog-info.yaml') } });
  });
  afterAll(async () => {
    await paved?.close();
    github?.close();
    gitlab?.close();
  });

  async function runTemplate(templateRef: string, name: string) {
    for (const ns of ['acme']) await paved.call('POST', '/api/git/repositories', { body: { namespace: ns, name } });
    const { id } = (await paved.call('POST', '/api/scaffolder/v2/tasks', { body: { templateRef, values: { name } } })).body;
    return until(async () => (await paved.call('GET', `/api/scaffolder/v2/tasks/${id}`)).body, (task) => task.status === 'completed' || task.status === 'failed');
  }

  it('publish:github creates the repository in the organization with the token and pushes the workspace', async () => {
    const task = await runTemplate('template:default/to-github', 'hub-service');
    expect(task.error).toBeUndefined();
    const create = github.requests.find((request) => request.method === 'POST')!;
    expect(create.url).toBe('/orgs/acme/repos');
    expect(create.headers.authorization).toBe(`Bearer ${ADMIN_TOKEN}`);
    expect(create.body).toEqual({ name: 'hub-service', description: 'The hub-service service', private: true, visibility: 'internal' });
    expect(task.output.links[0].url).toBe(`${pavedUrl}/git/acme/hub-service.git`);
    const readme = await paved.call('GET', '/api/git/repositories/acme/hub-service/file?path=README.md');
    expect(readme.body).toBe('# hub-service\n');
  });

  it('publish:gitlab creates the project in the group namespace and pushes the workspace', async () => {
    const task = await runTemplate('template:default/to-gitlab', 'lab-service');
    expect(task.error).toBeUndefined();
    const create = gitlab.requests.find((request) => request.method === 'POST')!;
    expect(create.headers['private-token']).toBe(ADMIN_TOKEN);
    expect(create.body).toMatchObject({ name: 'lab-service', path: 'lab-service', namespace_id: 42, visibility: 'internal' });
    expect((await paved.call('GET', '/api/git/repositories/acme/lab-service/branches')).body.items[0].name).toBe('main');
  });

  it("says what the host answered when it refuses, and which call it was", async () => {
    const { id } = (await paved.call('POST', '/api/scaffolder/v2/tasks', { body: { templateRef: 'template:default/to-github', values: { name: 'taken' } } })).body;
    const task = await until(async () => (await paved.call('GET', `/api/scaffolder/v2/tasks/${id}`)).body, (t) => t.status === 'failed' || t.status === 'completed');
    expect(task.status).toBe('failed');
    expect(task.error.step).toBe('publish');
    expect(task.error.message).toBe('GitHub: POST /orgs/acme/repos answered 422: Repository creation failed: name already exists on this account');
  });
});
