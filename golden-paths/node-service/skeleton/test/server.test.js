import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { SERVICE_NAME, createServer } from '../src/server.js';

let server;
let baseUrl;

before(async () => {
  server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${server.address().port}`;
});

after(() => new Promise((resolve) => server.close(resolve)));

test('GET / greets with the service name', async () => {
  const response = await fetch(`${baseUrl}/`);
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type'), /^application\/json/);
  assert.deepEqual(await response.json(), { service: SERVICE_NAME, message: `Hello from ${SERVICE_NAME}!` });
});

test('GET /healthz reports ok', async () => {
  const response = await fetch(`${baseUrl}/healthz`);
  assert.equal(response.status, 200);
  assert.deepEqual(await response.json(), { status: 'ok' });
});

test('an unknown route answers 404 in JSON', async () => {
  const response = await fetch(`${baseUrl}/nowhere`);
  assert.equal(response.status, 404);
  assert.equal((await response.json()).error, 'not_found');
});
