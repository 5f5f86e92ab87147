import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../src/package-root.js';
import { type TestPaved, startTestPaved } from './support/test-paved.js';

// The global setup builds the portal into dist/web; Paved serves it from the same process.
describe('the portal served by Paved', () => {
  let paved: TestPaved;
  beforeAll(async () => {
    paved = await startTestPaved('sqlite');
  });
  afterAll(async () => {
    await paved?.close();
  });

  it('answers page paths with the app, without a token', async () => {
    for (const url of ['/', '/catalog?kind=component', '/catalog/default/component/cart']) {
      const page = await paved.call('GET', url, { token: null });
      expect(page.status, url).toBe(200);
      expect(String(page.headers['content-type'])).toContain('text/html');
      expect(page.body).toContain('<div id="root"></div>');
      expect(page.headers['cache-control']).toBe('no-cache');
    }
  });

  it('serves the built assets, cached for good since their names change with their content', async () => {
    const script = fs.readdirSync(path.join(PACKAGE_ROOT, 'dist/web/assets')).find((file) => file.endsWith('.js'))!;
    const asset = await paved.call('GET', `/assets/${script}`, { token: null });
    expect(asset.status).toBe(200);
    expect(String(asset.headers['content-type'])).toContain('javascript');
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
  });

  it('leaves the API, git and health paths to their own answers', async () => {
    expect((await paved.call('GET', '/api/nothing-here')).body.error.code).toBe('request.no_route');
    expect((await paved.call('GET', '/api/catalog/entities', { token: null })).status).toBe(401);
    expect((await paved.call('POST', '/catalog', { token: null, body: {} })).status).toBe(404);
    expect((await paved.call('GET', '/healthz', { token: null })).body.status).toBe('ok');
  });

  it('does not serve files from outside the build', async () => {
    const escaped = await paved.call('GET', '/assets/..%2f..%2f..%2fpackage.json', { token: null });
    expect(escaped.body).not.toContain('"name": "paved"');
    expect(escaped.body).toContain('<div id="root"></div>');
  });
});
