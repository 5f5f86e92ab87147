import { lookup as dnsLookup } from 'node:dns';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import type { Duplex } from 'node:stream';
import ipaddr from 'ipaddr.js';

/** Who sandboxed code may reach, and how names and connections are made (replaceable in tests). */
export interface EgressPolicy {
  /** `name`, `*.domain`, or `name:port` (without a port: 443 and 80). */
  allow: readonly string[];
  resolve?(host: string): Promise<string[]>;
  connect?(address: string, port: number): Duplex;
  /** Called for every refusal, for Paved's log. */
  onRefused?(host: string, reason: string): void;
}

/** What to change to allow a host: named in every refusal. */
const SETTING = 'PAVED_SANDBOX_EGRESS (sandbox.egress in paved.yaml)';
const DEFAULT_PORTS = new Set([443, 80]);
const CONNECT_TIMEOUT_MS = 10_000;
const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection', 'proxy-authorization', 'transfer-encoding', 'upgrade', 'te', 'trailer'];

class Refusal extends Error {}

/**
 * The host side of a sandbox's egress: an HTTP proxy (CONNECT for https, absolute URLs for
 * http) that reaches only allow-listed hosts. A name is resolved here and connected to by the
 * address checked, so a rebinding answer cannot slip past; loopback, private, link-local,
 * unique-local and this machine's own addresses are refused whatever the allow-list says, which
 * keeps Paved's own ports and databases out of reach.
 */
export function createEgressProxy(policy: EgressPolicy): http.Server {
  const resolve = policy.resolve ?? resolveAll;
  const connect = policy.connect ?? ((address: string, port: number) => net.connect({ host: address, port, timeout: CONNECT_TIMEOUT_MS }));
  const allowed = (host: string, port: number) => policy.allow.some((entry) => matches(entry.toLowerCase(), host, port));

  async function open(host: string, port: number): Promise<Duplex> {
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Refusal(`${host}:${port} is not a valid port`);
    if (!allowed(host, port)) throw new Refusal(`${host}:${port} is not on the sandbox's egress allow-list; to allow it, add it to ${SETTING}`);
    const addresses = ipaddr.isValid(host) ? [host] : await resolve(host).catch((error: Error) => {
      throw new Refusal(`${host} could not be resolved (${error.message})`);
    });
    if (addresses.length === 0) throw new Refusal(`${host} has no address`);
    for (const address of addresses) {
      const reason = forbiddenAddress(address);
      if (reason) throw new Refusal(`${host} resolves to ${address} (${reason}), which sandboxed code may never reach, whatever ${SETTING} says`);
    }
    return connect(addresses[0]!, port);
  }

  const refuse = (host: string, error: unknown): string => {
    const message = error instanceof Refusal ? `egress refused: ${error.message}` : `egress to ${host} failed: ${(error as Error).message}`;
    policy.onRefused?.(host, message);
    return message;
  };

  const server = http.createServer((request, response) => {
    let url: URL;
    try {
      url = new URL(request.url ?? '');
      if (url.protocol !== 'http:') throw new Error('not http');
    } catch {
      response.writeHead(400, { 'content-type': 'text/plain; charset=utf-8' }).end('the egress proxy takes absolute http:// URLs and CONNECT host:port\n');
      return;
    }
    const host = normalizeHost(url.hostname);
    const port = Number(url.port || 80);
    open(host, port).then(
      (socket) => {
        const headers: http.OutgoingHttpHeaders = { ...request.headers, host: url.host };
        for (const header of HOP_BY_HOP) delete headers[header];
        const upstream = http.request({ method: request.method, path: `${url.pathname}${url.search}`, headers, createConnection: () => socket as net.Socket }, (answer) => {
          const answerHeaders = { ...answer.headers };
          for (const header of HOP_BY_HOP) delete answerHeaders[header];
          response.writeHead(answer.statusCode ?? 502, answerHeaders);
          answer.pipe(response);
        });
        upstream.on('error', (error) => {
          if (response.headersSent) response.destroy();
          else response.writeHead(502, { 'content-type': 'text/plain; charset=utf-8' }).end(`${refuse(host, error)}\n`);
        });
        request.pipe(upstream);
      },
      (error: unknown) => {
        const message = refuse(host, error);
        response.writeHead(error instanceof Refusal ? 403 : 502, { 'content-type': 'text/plain; charset=utf-8' }).end(`${message}\n`);
      },
    );
  });

  server.on('connect', (request: http.IncomingMessage, client: Duplex, head: Buffer) => {
    client.on('error', () => undefined);
    const target = /^\[?([^\]]+?)\]?:(\d+)$/.exec(request.url ?? '');
    if (!target) {
      answerRaw(client, 400, 'CONNECT takes host:port\n');
      return;
    }
    const host = normalizeHost(target[1]!);
    open(host, Number(target[2])).then(
      (upstream) => {
        let connected = false;
        upstream.on('error', (error) => {
          if (!connected) answerRaw(client, 502, `${refuse(host, error)}\n`);
          else client.destroy();
        });
        const established = () => {
          connected = true;
          client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
          if (head.length > 0) upstream.write(head);
          upstream.pipe(client);
          client.pipe(upstream);
          client.on('close', () => upstream.destroy());
          upstream.on('close', () => client.destroy());
        };
        if (upstream instanceof net.Socket && upstream.connecting) upstream.once('connect', established);
        else established();
      },
      (error: unknown) => answerRaw(client, error instanceof Refusal ? 403 : 502, `${refuse(host, error)}\n`),
    );
  });
  return server;
}

/** Why an address may never be reached from a sandbox, or undefined when it is public unicast and not this machine's. */
function forbiddenAddress(address: string): string | undefined {
  let parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  const range = parsed.range();
  if (range !== 'unicast') return range;
  if (localAddresses().has(parsed.toNormalizedString())) return "this machine's own address";
  return undefined;
}

function localAddresses(): Set<string> {
  const addresses = Object.values(os.networkInterfaces()).flatMap((entries) => entries ?? []);
  return new Set(addresses.flatMap((entry) => (ipaddr.isValid(entry.address) ? [ipaddr.parse(entry.address).toNormalizedString()] : [])));
}

function matches(entry: string, host: string, port: number): boolean {
  const [name, entryPort] = entry.split(':') as [string, string | undefined];
  if (entryPort === undefined ? !DEFAULT_PORTS.has(port) : Number(entryPort) !== port) return false;
  return name.startsWith('*.') ? host.endsWith(name.slice(1)) : host === name;
}

function normalizeHost(host: string): string {
  return host.replace(/^\[|\]$/g, '').replace(/\.$/, '').toLowerCase();
}

function resolveAll(host: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    dnsLookup(host, { all: true }, (error, addresses) => (error ? reject(error) : resolve(addresses.map((entry) => entry.address))));
  });
}

function answerRaw(client: Duplex, status: number, body: string): void {
  const reason = status === 403 ? 'Forbidden' : status === 400 ? 'Bad Request' : 'Bad Gateway';
  client.end(`HTTP/1.1 ${status} ${reason}\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
}
