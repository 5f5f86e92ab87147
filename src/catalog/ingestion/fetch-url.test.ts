import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { fetchUrl, nonPublicRange } from './fetch-url.js';

let server: http.Server;
let origin: string;
let port: number;
const hits: string[] = [];

beforeAll(async () => {
  server = http.createServer((request, response) => {
    const url = request.url ?? '/';
    hits.push(url);
    if (url === '/ok') return void response.end('kind: Component\n');
    if (url === '/missing') return void response.writeHead(404).end('nope');
    if (url === '/broken') return void response.writeHead(500).end('boom');
    if (url === '/to-ok') return void response.writeHead(302, { location: '/ok' }).end();
    if (url === '/to-localhost') return void response.writeHead(302, { location: `http://localhost:${port}/ok` }).end();
    if (url === '/loop') return void response.writeHead(302, { location: '/loop' }).end();
    if (url === '/big-declared') return void response.writeHead(200, { 'content-length': 5000 }).end('x'.repeat(5000));
    if (url === '/big-streamed') {
      response.writeHead(200);
      const timer = setInterval(() => response.write('x'.repeat(512)), 5);
      response.on('close', () => clearInterval(timer));
      return;
    }
    if (url === '/stall-headers') return; // never answers
    if (url === '/stall-body') {
      response.writeHead(200);
      response.write('kind: ');
      return; // never ends
    }
    response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  origin = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const allowLocal = { urlAllow: ['127.0.0.1'], maxBytes: 1000, timeoutMs: 2000 };

describe('fetchUrl', () => {
  it('refuses a loopback server by default, telling how to allow it', async () => {
    const outcome = await fetchUrl(`${origin}/ok`, { ...allowLocal, urlAllow: [] });
    expect(outcome).toMatchObject({ ok: false, code: 'catalog.location_url_refused' });
    expect(outcome.ok === false && outcome.detail).toMatch(/loopback.*PAVED_CATALOG_URL_ALLOW/);
  });

  it('fetches from a host listed in urlAllow', async () => {
    expect(await fetchUrl(`${origin}/ok`, allowLocal)).toEqual({ ok: true, text: 'kind: Component\n' });
  });

  it('ignores a port and letter case in urlAllow entries', async () => {
    expect(await fetchUrl(`${origin}/ok`, { ...allowLocal, urlAllow: ['127.0.0.1:1'] })).toMatchObject({ ok: true });
  });

  it('connects through the guarded DNS lookup when a host name is allowed', async () => {
    const outcome = await fetchUrl(`http://localhost:${port}/ok`, { ...allowLocal, urlAllow: ['LOCALHOST'] });
    expect(outcome).toEqual({ ok: true, text: 'kind: Component\n' });
  });

  it('follows a redirect within an allowed host', async () => {
    expect(await fetchUrl(`${origin}/to-ok`, allowLocal)).toMatchObject({ ok: true, text: 'kind: Component\n' });
  });

  it('refuses a redirect from an allowed host to a host that resolves to loopback, without connecting to it', async () => {
    const before = hits.filter((hit) => hit === '/ok').length;
    const outcome = await fetchUrl(`${origin}/to-localhost`, allowLocal);
    expect(outcome).toMatchObject({ ok: false, code: 'catalog.location_url_refused' });
    expect(outcome.ok === false && outcome.detail).toMatch(/localhost/);
    expect(hits.filter((hit) => hit === '/ok').length).toBe(before);
  });

  it('gives up after 5 redirects', async () => {
    const outcome = await fetchUrl(`${origin}/loop`, allowLocal);
    expect(outcome).toMatchObject({ ok: false, code: 'catalog.location_fetch_failed' });
    expect(outcome.ok === false && outcome.detail).toMatch(/more than 5/);
  });

  it('maps 404 to not found and other statuses to fetch failed', async () => {
    expect(await fetchUrl(`${origin}/missing`, allowLocal)).toMatchObject({ ok: false, code: 'catalog.location_not_found' });
    const broken = await fetchUrl(`${origin}/broken`, allowLocal);
    expect(broken).toMatchObject({ ok: false, code: 'catalog.location_fetch_failed' });
    expect(broken.ok === false && broken.detail).toMatch(/500/);
  });

  it('refuses a response whose declared length is over the limit', async () => {
    expect(await fetchUrl(`${origin}/big-declared`, allowLocal)).toMatchObject({ ok: false, code: 'catalog.location_too_large' });
  });

  it('stops reading an endless response at the limit', async () => {
    expect(await fetchUrl(`${origin}/big-streamed`, allowLocal)).toMatchObject({ ok: false, code: 'catalog.location_too_large' });
  });

  it('times out a server that never answers', async () => {
    const started = Date.now();
    const outcome = await fetchUrl(`${origin}/stall-headers`, { ...allowLocal, timeoutMs: 200 });
    expect(outcome).toMatchObject({ ok: false, code: 'catalog.location_fetch_timeout' });
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('times out a body that never ends', async () => {
    const outcome = await fetchUrl(`${origin}/stall-body`, { ...allowLocal, timeoutMs: 200 });
    expect(outcome).toMatchObject({ ok: false, code: 'catalog.location_fetch_timeout' });
  });

  it('reports a closed port as a fetch failure', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const outcome = await fetchUrl(`http://127.0.0.1:${closedPort}/`, allowLocal);
    expect(outcome).toMatchObject({ ok: false, code: 'catalog.location_fetch_failed' });
  });

  describe('without any network traffic', () => {
    beforeEach(() => {
      vi.spyOn(http, 'request').mockImplementation(() => {
        throw new Error('a refused URL must not open a connection');
      });
    });
    afterEach(() => vi.restoreAllMocks());

    it.each([
      'http://169.254.169.254/latest/meta-data/',
      'http://[::ffff:169.254.169.254]/',
      'http://[fe80::1]/',
      'http://10.1.2.3/',
      'http://172.16.0.1/',
      'http://192.168.1.1/',
      'http://100.64.0.1/',
      'http://0.0.0.0/',
      'http://[::]/',
      'http://[::1]/',
      'http://[fd00::1]/',
      'http://127.1/',
      'http://2130706433/',
      'http://224.0.0.1/',
      'http://255.255.255.255/',
      'http://240.0.0.1/',
      // Every other way of writing a loopback, private or unspecified address.
      'http://[::127.0.0.1]/',
      'http://[::7f00:1]/',
      'http://[::ffff:127.0.0.1]/',
      'http://[::ffff:7f00:1]/',
      'http://[0:0:0:0:0:ffff:10.0.0.1]/',
      'http://[64:ff9b::127.0.0.1]/',
      'http://[64:ff9b:1::a00:1]/',
      'http://[2002:7f00:1::]/',
      'http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/',
      'http://[::0]/',
      'http://0x7f.1/',
      'http://0x7f000001/',
      'http://017700000001/',
      'http://0177.0.0.1/',
      'http://0/',
      'http://127.0.0.1.:80/',
      'http://[::1]:7007/',
    ])('refuses %s', async (url) => {
      const outcome = await fetchUrl(url, { urlAllow: ['example.com'], maxBytes: 1000, timeoutMs: 5000 });
      expect(outcome).toMatchObject({ ok: false, code: 'catalog.location_url_refused' });
    });

    it.each([
      ['::7f00:1', 'ipv4Compatible'],
      ['::127.0.0.1', 'loopback'],
      ['::ffff:127.0.0.1', 'loopback'],
      ['0.0.0.0', 'unspecified'],
      ['::', 'unspecified'],
      ['fe80::1%eth0', 'linkLocal'],
      ['not-an-address', 'invalid'],
    ])('names the range of %s as it is resolved (DNS answers go through the same check)', (address, range) => {
      expect(nonPublicRange(address)).toBe(range);
    });

    it.each(['93.184.215.14', '2606:2800:21f:cb07:6820:80da:af6b:8b2c', '::ffff:93.184.215.14'])('lets the public address %s through', (address) => {
      expect(nonPublicRange(address)).toBeUndefined();
    });

    it.each(['file:///etc/passwd', 'ftp://example.com/a.yaml', 'gopher://127.0.0.1/'])('refuses the scheme of %s', async (url) => {
      const outcome = await fetchUrl(url, { urlAllow: [], maxBytes: 1000, timeoutMs: 5000 });
      expect(outcome).toMatchObject({ ok: false, code: 'catalog.location_url_refused' });
      expect(outcome.ok === false && outcome.detail).toMatch(/only http: and https:/);
    });
  });
});
