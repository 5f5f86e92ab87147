import { execFile } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandboxNetwork } from '../src/sandbox/network/index.js';
import type { SandboxNetwork } from '../src/sandbox/types.js';

const run = promisify(execFile);
const NOBODY = 65534;
// A public address the test's resolver hands out: nothing is sent there, the connector below
// takes the connection to the local "registry" instead (there is no internet here).
const PUBLIC_ADDRESS = '93.184.216.34';

/** Runs `script` with node inside the namespace, as the unprivileged user, and returns what it printed as JSON. */
async function inside(network: SandboxNetwork, script: string, env: Record<string, string> = {}): Promise<any> {
  const { stdout } = await run(
    'nsenter',
    [`--net=${network.netns}`, 'setpriv', `--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', '--no-new-privs', process.execPath, '-e', script],
    { env: { PATH: process.env.PATH!, ...network.env, ...env }, timeout: 15_000 },
  );
  return JSON.parse(stdout);
}

const TRY_CONNECT = `
const net = require('node:net');
const tryConnect = (port) => new Promise((resolve) => {
  const socket = net.connect(port, '127.0.0.1');
  socket.setTimeout(3000, () => { socket.destroy(); resolve('timeout'); });
  socket.once('connect', () => { socket.destroy(); resolve('connected'); });
  socket.once('error', (error) => resolve(error.code));
});
`;

describe('the sandbox network', () => {
  let registry: http.Server;
  let registryPort: number;
  let pavedLike: http.Server;
  let pavedPort: number;
  let database: net.Server;
  let databasePort: number;
  const databaseConnections: string[] = [];
  let network: SandboxNetwork;
  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'paved-net-test-'));
  const exposed = path.join(runDir, 'web.sock');

  beforeAll(async () => {
    registry = http.createServer((request, response) => response.end(`registry saw ${request.headers.host} ${request.url}`));
    registryPort = await listening(registry);
    pavedLike = http.createServer((_request, response) => response.end('paved'));
    pavedPort = await listening(pavedLike);
    database = net.createServer((socket) => {
      databaseConnections.push('connected');
      socket.end('database hello\n');
    });
    databasePort = await listening(database);
    const names: Record<string, string[]> = { 'registry.test': [PUBLIC_ADDRESS], 'sneaky.test': ['127.0.0.1'], 'metadata.test': ['169.254.169.254'], 'lan.test': ['10.1.2.3'] };
    network = await createSandboxNetwork(
      { egress: true, forwards: [{ port: 15432, host: '127.0.0.1', hostPort: databasePort }], exposes: [{ port: 8080, socketPath: exposed }] },
      {
        bwrap: '/usr/bin/bwrap',
        uid: NOBODY,
        gid: NOBODY,
        runDir,
        logger: pino({ level: 'silent' }),
        egress: {
          allow: ['registry.test', 'sneaky.test', 'metadata.test', 'lan.test', '127.0.0.1'],
          resolve: async (host) => names[host] ?? Promise.reject(new Error(`ENOTFOUND ${host}`)),
          connect: (address, port) => {
            expect(address).toBe(PUBLIC_ADDRESS);
            expect([80, 443]).toContain(port);
            return net.connect(registryPort, '127.0.0.1');
          },
        },
      },
    );
  });

  afterAll(async () => {
    await network?.close();
    registry?.close();
    pavedLike?.close();
    database?.close();
    fs.rmSync(runDir, { recursive: true, force: true });
  });

  it('tells the processes inside where the egress proxy is', () => {
    expect(network.env.HTTPS_PROXY).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    for (const name of ['HTTP_PROXY', 'http_proxy', 'https_proxy', 'npm_config_proxy', 'npm_config_https_proxy', 'PIP_PROXY']) expect(network.env[name]).toBe(network.env.HTTPS_PROXY);
    expect(network.env.NO_PROXY).toBe('localhost,127.0.0.1');
  });

  it('reaches an allow-listed host through the proxy, by absolute URL and by CONNECT', async () => {
    const result = await inside(
      network,
      `
const http = require('node:http');
const proxy = new URL(process.env.HTTP_PROXY);
const get = () => new Promise((resolve, reject) => http.get({ host: proxy.hostname, port: proxy.port, path: 'http://registry.test/pkg' }, (response) => {
  let body = ''; response.on('data', (chunk) => body += chunk); response.on('end', () => resolve({ status: response.statusCode, body }));
}).on('error', reject));
const tunnel = () => new Promise((resolve, reject) => {
  const request = http.request({ host: proxy.hostname, port: proxy.port, method: 'CONNECT', path: 'registry.test:443' });
  request.on('connect', (response, socket) => {
    socket.write('GET /tarball HTTP/1.1\\r\\nhost: registry.test\\r\\nconnection: close\\r\\n\\r\\n');
    let text = ''; socket.on('data', (chunk) => text += chunk); socket.on('end', () => resolve({ status: response.statusCode, text }));
  });
  request.on('error', reject);
  request.end();
});
Promise.all([get(), tunnel()]).then(([plain, connect]) => console.log(JSON.stringify({ plain, connect })));
`,
    );
    expect(result.plain).toEqual({ status: 200, body: 'registry saw registry.test /pkg' });
    expect(result.connect.status).toBe(200);
    expect(result.connect.text).toContain('registry saw registry.test /tarball');
  });

  it('refuses a host off the list with 403 naming the host and the setting, and allow-listed names or literals that reach loopback, link-local or private addresses', async () => {
    const result = await inside(
      network,
      `
const http = require('node:http');
const proxy = new URL(process.env.HTTP_PROXY);
const get = (url) => new Promise((resolve) => http.get({ host: proxy.hostname, port: proxy.port, path: url }, (response) => {
  let body = ''; response.on('data', (chunk) => body += chunk); response.on('end', () => resolve({ status: response.statusCode, body }));
}).on('error', (error) => resolve({ error: error.message })));
const connect = (target) => new Promise((resolve) => {
  const request = http.request({ host: proxy.hostname, port: proxy.port, method: 'CONNECT', path: target });
  // Node hands any answer to CONNECT over as 'connect'; a refusal's body follows on the socket.
  request.on('connect', (response, socket, head) => {
    if (response.statusCode === 200) { socket.destroy(); return resolve({ status: 200 }); }
    let body = String(head); socket.on('data', (chunk) => body += chunk); socket.on('end', () => resolve({ status: response.statusCode, body }));
  });
  request.on('error', (error) => resolve({ error: error.message }));
  request.end();
});
Promise.all([
  get('http://example.org/'),
  connect('github.com:443'),
  get('http://sneaky.test/'),
  get('http://metadata.test/latest/meta-data'),
  connect('lan.test:443'),
  get('http://127.0.0.1:${pavedPort}/'),
  connect('registry.test:22'),
]).then((answers) => console.log(JSON.stringify(answers)));
`,
    );
    const [offList, connectOffList, loopback, linkLocal, privateRange, literal, otherPort] = result;
    expect(offList.status).toBe(403);
    expect(offList.body).toContain('example.org');
    expect(offList.body).toContain('PAVED_SANDBOX_EGRESS');
    expect(connectOffList.status).toBe(403);
    expect(connectOffList.body).toContain('github.com:443');
    expect(loopback).toMatchObject({ status: 403 });
    expect(loopback.body).toContain('127.0.0.1 (loopback)');
    expect(linkLocal.body).toContain('169.254.169.254 (linkLocal)');
    expect(privateRange.body).toContain('10.1.2.3 (private)');
    expect(literal.status).toBe(403);
    expect(otherPort.status).toBe(403);
  });

  it("has no route to Paved's own port or the databases: only loopback is inside", async () => {
    const result = await inside(network, `${TRY_CONNECT} Promise.all([${pavedPort}, 5432, 6379, 7007].map(tryConnect)).then((codes) => console.log(JSON.stringify(codes)));`);
    expect(result).toEqual(['ECONNREFUSED', 'ECONNREFUSED', 'ECONNREFUSED', 'ECONNREFUSED']);
    // The interfaces inside: loopback only.
    const interfaces = await inside(network, `console.log(JSON.stringify(Object.keys(require('node:os').networkInterfaces())))`);
    expect(interfaces).toEqual(['lo']);
    // And the host really has those ports open (the refusals above are the namespace, not an empty host).
    expect(await new Promise((resolve) => net.connect(pavedPort, '127.0.0.1').once('connect', function (this: net.Socket) { this.destroy(); resolve('connected'); }).once('error', (error: NodeJS.ErrnoException) => resolve(error.code)))).toBe('connected');
  });

  it('a forward reaches exactly its target', async () => {
    const before = databaseConnections.length;
    const result = await inside(
      network,
      `
const net = require('node:net');
const socket = net.connect(15432, '127.0.0.1');
let text = ''; socket.on('data', (chunk) => text += chunk); socket.on('end', () => console.log(JSON.stringify(text)));
socket.on('error', (error) => console.log(JSON.stringify(error.code)));
`,
    );
    expect(result).toBe('database hello\n');
    expect(databaseConnections.length).toBe(before + 1);
  });

  it('Paved reaches a service inside through its exposed socket', async () => {
    const server = execFile(
      'nsenter',
      [`--net=${network.netns}`, 'setpriv', `--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', process.execPath, '-e', `require('node:http').createServer((q, s) => s.end('inside ' + q.url)).listen(8080, '127.0.0.1', () => console.log('up'))`],
      { env: { PATH: process.env.PATH! } },
    );
    try {
      await new Promise<void>((resolve) => server.stdout!.once('data', () => resolve()));
      const answer = await new Promise<string>((resolve, reject) =>
        http.get({ socketPath: exposed, path: '/hello' }, (response) => {
          let body = '';
          response.on('data', (chunk) => (body += chunk));
          response.on('end', () => resolve(body));
        }).on('error', reject),
      );
      expect(answer).toBe('inside /hello');
    } finally {
      server.kill();
    }
  });

  it('closing ends the holder and removes its sockets', async () => {
    const other = await createSandboxNetwork({ egress: false, forwards: [], exposes: [{ port: 9000, socketPath: path.join(runDir, 'other.sock') }] }, { bwrap: '/usr/bin/bwrap', uid: NOBODY, gid: NOBODY, runDir, logger: pino({ level: 'silent' }), egress: { allow: [] } });
    expect(other.env).toEqual({});
    const pid = Number(/\/proc\/(\d+)\//.exec(other.netns)![1]);
    expect(fs.existsSync(`/proc/${pid}`)).toBe(true);
    await other.close();
    expect(fs.existsSync(`/proc/${pid}`)).toBe(false);
    expect(fs.existsSync(path.join(runDir, 'other.sock'))).toBe(false);
    expect(fs.readdirSync(runDir).filter((name) => name.startsWith('paved-net-'))).toHaveLength(1);
  });

  it('removes the socket folders of a Paved that is gone when it makes the next namespace', async () => {
    const leftover = path.join(runDir, 'paved-net-999999999-abcdef');
    fs.mkdirSync(leftover);
    const mine = path.join(runDir, `paved-net-${process.pid}-still-mine`);
    fs.mkdirSync(mine);
    const next = await createSandboxNetwork({ egress: false, forwards: [], exposes: [] }, { bwrap: '/usr/bin/bwrap', uid: NOBODY, gid: NOBODY, runDir, logger: pino({ level: 'silent' }), egress: { allow: [] } });
    await next.close();
    expect(fs.existsSync(leftover)).toBe(false);
    expect(fs.existsSync(mine)).toBe(true);
    fs.rmSync(mine, { recursive: true });
  });
});

async function listening(server: net.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return (server.address() as net.AddressInfo).port;
}
