import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, type TestPaved, startTestPaved } from './support/test-paved.js';

describe.each(DIALECTS)('foundation on %s', (dialect) => {
  let paved: TestPaved;
  beforeAll(async () => {
    paved = await startTestPaved(dialect);
  });
  afterAll(async () => {
    await paved?.close();
  });

  it('answers /healthz without a token', async () => {
    const response = await paved.call('GET', '/healthz', { token: null });
    expect(response.status).toBe(200);
    expect(response.body.status).toBe('ok');
  });

  it('refuses API calls without a token with 401 in the one error format', async () => {
    const response = await paved.call('GET', '/api/catalog/entities', { token: null });
    expect(response.status).toBe(401);
    expect(response.body.error).toMatchObject({ name: 'AuthenticationError', code: 'access.missing_token' });
    expect(response.body.response.statusCode).toBe(401);
  });

  it('refuses a wrong token', async () => {
    const response = await paved.call('GET', '/api/catalog/entities', { token: 'pvd_not-a-real-token' });
    expect(response.status).toBe(401);
    expect(response.body.error.code).toBe('access.invalid_token');
  });

  it('serves the OpenAPI document listing the catalog routes', async () => {
    const response = await paved.call('GET', '/api/openapi.json', { token: null });
    expect(response.status).toBe(200);
    expect(Object.keys(response.body.paths)).toEqual(expect.arrayContaining(['/api/catalog/entities/by-query', '/api/catalog/locations', '/api/access/tokens', '/api/audit/']));
  });

  it('serves Prometheus metrics to authenticated callers only', async () => {
    expect((await paved.call('GET', '/metrics', { token: null })).status).toBe(401);
    const response = await paved.call('GET', '/metrics');
    expect(response.status).toBe(200);
    expect(response.body).toContain('paved_http_request_duration_seconds');
  });

  it('answers an unknown route with a 404 in the error format', async () => {
    const response = await paved.call('GET', '/api/nothing-here');
    expect(response.status).toBe(404);
    expect(response.body.error.name).toBe('NotFoundError');
  });

  it('rejects a body over the limit with 413 and stores nothing', async () => {
    const big = { entities: [{ apiVersion: 'backstage.io/v1alpha1', kind: 'Component', metadata: { name: 'big', description: 'x'.repeat(6 * 1024 * 1024) } }] };
    const response = await paved.call('POST', '/api/catalog/entities', { body: big });
    expect(response.status).toBe(413);
    expect(response.body.error.code).toBe('request.body_too_large');
    expect((await paved.call('GET', '/api/catalog/entities/by-name/component/default/big')).status).toBe(404);
  });

  it('rejects malformed JSON with a 400 naming the problem', async () => {
    const response = await paved.app.inject({
      method: 'POST',
      url: '/api/catalog/entities',
      headers: { authorization: 'Bearer test-admin-token-0123456789abcdef', 'content-type': 'application/json' },
      payload: '{"kind": ',
    });
    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body).error.name).toBe('InputError');
  });
});
