import { lookup as dnsLookup } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';
import type { ReadOutcome } from './types.js';

export interface FetchOptions {
  urlAllow: readonly string[];
  maxBytes: number;
  timeoutMs: number;
}

const MAX_REDIRECTS = 5;

/**
 * Fetches a descriptor over http(s) without letting a catalog author reach the platform's own
 * network: every address actually connected to (each redirect hop included, checked inside the
 * DNS lookup so a rebinding answer cannot slip past) must be public unicast, unless the URL's
 * host is in `urlAllow`. The body is streamed and cut off at `maxBytes`; `timeoutMs` covers the
 * whole exchange. Never throws.
 */
export async function fetchUrl(target: string, options: FetchOptions): Promise<ReadOutcome> {
  const allowed = new Set(options.urlAllow.map(normalizeHost));
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(), options.timeoutMs);
  try {
    let url: URL;
    try {
      url = new URL(target);
    } catch {
      return { ok: false, code: 'catalog.location_url_refused', detail: `${target} is not an absolute URL` };
    }
    for (let hop = 0; ; hop++) {
      const refusal = refuseUrl(url, allowed);
      if (refusal) return refusal;
      const answer = await requestOnce(url, allowed.has(normalizeHost(url.hostname)), options, deadline.signal);
      if (!('redirect' in answer)) return answer;
      if (hop === MAX_REDIRECTS) {
        return { ok: false, code: 'catalog.location_fetch_failed', detail: `${target} redirected more than ${MAX_REDIRECTS} times` };
      }
      try {
        url = new URL(answer.redirect, url);
      } catch {
        return { ok: false, code: 'catalog.location_fetch_failed', detail: `${url.href} redirected to an invalid URL: ${answer.redirect}` };
      }
    }
  } finally {
    clearTimeout(timer);
  }
}

/** Refusals decidable from the URL alone: the scheme, and literal IP hosts (which skip DNS). */
function refuseUrl(url: URL, allowed: ReadonlySet<string>): ReadOutcome | undefined {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return { ok: false, code: 'catalog.location_url_refused', detail: `${url.href} uses ${url.protocol}; only http: and https: locations can be fetched` };
  }
  const host = normalizeHost(url.hostname);
  if (allowed.has(host) || !ipaddr.isValid(host)) return undefined;
  const range = nonPublicRange(host);
  return range ? refused(url, host, range) : undefined;
}

/** IPv6 addresses that carry an IPv4 address in their last 32 bits, which a host may reach as that IPv4 address. */
const IPV4_EMBEDDING_PREFIXES: [ipaddr.IPv6, number, string][] = [
  // ::a.b.c.d, "IPv4-compatible" (deprecated): ipaddr.js calls ::7f00:1 unicast, yet it is 127.0.0.1.
  [ipaddr.IPv6.parse('::'), 96, 'ipv4Compatible'],
  // NAT64's well-known prefix and the local-use one (RFC 6052, RFC 8215): a translator forwards to the IPv4 address.
  [ipaddr.IPv6.parse('64:ff9b::'), 96, 'rfc6052'],
  [ipaddr.IPv6.parse('64:ff9b:1::'), 48, 'rfc8215'],
];

/**
 * The range name when `address` is not public unicast, for every way of writing one: IPv4-mapped
 * IPv6 is unwrapped (`ipaddr.process`), IPv6 forms that embed an IPv4 address (IPv4-compatible,
 * NAT64) are refused whatever they embed, and anything ipaddr.js does not call `unicast` (private,
 * loopback, link-local, unspecified, carrier-grade NAT, 6to4, Teredo, reserved, …) is refused.
 * Decimal, hex and short IPv4 forms (`2130706433`, `0x7f.1`, `127.1`) reach here already
 * normalized by the URL parser.
 */
export function nonPublicRange(address: string): string | undefined {
  if (!ipaddr.isValid(address)) return 'invalid';
  const parsed = ipaddr.process(address);
  const range = parsed.range();
  if (range !== 'unicast') return range;
  if (parsed.kind() === 'ipv6') {
    for (const [prefix, bits, name] of IPV4_EMBEDDING_PREFIXES) if ((parsed as ipaddr.IPv6).match(prefix, bits)) return name;
  }
  return undefined;
}

function refused(url: URL, address: string, range: string): ReadOutcome {
  return {
    ok: false,
    code: 'catalog.location_url_refused',
    detail: `${url.href} reaches ${address} (${range}), which catalog locations may not fetch; if this host is trusted, add '${url.hostname}' to PAVED_CATALOG_URL_ALLOW`,
  };
}

class RefusedAddressError extends Error {
  constructor(
    readonly address: string,
    readonly range: string,
  ) {
    super(`refused address ${address} (${range})`);
  }
}

/** A DNS lookup that fails when any answer is not public, so the socket never connects to it. */
function guardedLookup(hostAllowed: boolean): LookupFunction {
  return (hostname, lookupOptions, callback) => {
    dnsLookup(hostname, { ...lookupOptions, all: true }, (error, addresses) => {
      if (error) return callback(error, '', 0);
      if (!hostAllowed) {
        for (const { address } of addresses) {
          const range = nonPublicRange(address);
          if (range) return callback(new RefusedAddressError(address, range), '', 0);
        }
      }
      const first = addresses[0];
      if (!first) return callback(Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }), '', 0);
      if (lookupOptions.all) return (callback as (e: null, a: typeof addresses) => void)(null, addresses);
      callback(null, first.address, first.family);
    });
  };
}

type Answer = ReadOutcome | { redirect: string };

function requestOnce(url: URL, hostAllowed: boolean, options: FetchOptions, signal: AbortSignal): Promise<Answer> {
  return new Promise((resolve) => {
    let settled = false;
    const settle = (answer: Answer) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      request.destroy();
      resolve(answer);
    };
    const onAbort = () =>
      settle({ ok: false, code: 'catalog.location_fetch_timeout', detail: `${url.href} did not answer within ${options.timeoutMs} ms` });
    const tooLarge = (): Answer => ({
      ok: false,
      code: 'catalog.location_too_large',
      detail: `${url.href} is larger than the ${options.maxBytes}-byte limit; split it into several files or raise catalog.maxFileBytes`,
    });

    const client = url.protocol === 'https:' ? https : http;
    const request = client.request(url, {
      method: 'GET',
      agent: false,
      lookup: guardedLookup(hostAllowed),
      headers: { accept: 'application/yaml, application/json, text/plain, */*', 'user-agent': 'paved-catalog' },
    });
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort);

    request.on('error', (error) => {
      if (error instanceof RefusedAddressError) return settle(refused(url, error.address, error.range));
      const code = (error as NodeJS.ErrnoException).code;
      settle({ ok: false, code: 'catalog.location_fetch_failed', detail: `${url.href} could not be fetched (${code ?? error.message})` });
    });
    request.on('response', (response) => {
      const status = response.statusCode ?? 0;
      const location = response.headers.location;
      if (status >= 300 && status < 400 && location) return settle({ redirect: location });
      if (status === 404) return settle({ ok: false, code: 'catalog.location_not_found', detail: `${url.href} answered 404 Not Found` });
      if (status < 200 || status >= 300) {
        return settle({ ok: false, code: 'catalog.location_fetch_failed', detail: `${url.href} answered HTTP ${status}` });
      }
      if (Number(response.headers['content-length']) > options.maxBytes) return settle(tooLarge());
      const chunks: Buffer[] = [];
      let length = 0;
      response.on('data', (chunk: Buffer) => {
        length += chunk.length;
        if (length > options.maxBytes) return settle(tooLarge());
        chunks.push(chunk);
      });
      response.on('end', () => settle({ ok: true, text: Buffer.concat(chunks, length).toString('utf8') }));
      response.on('error', (error) =>
        settle({ ok: false, code: 'catalog.location_fetch_failed', detail: `${url.href} broke off (${error.message})` }),
      );
    });
    request.end();
  });
}

/** `Example.com:8080` → `example.com`; `[::1]:80` → `::1`. */
function normalizeHost(host: string): string {
  const trimmed = host.trim().toLowerCase();
  if (trimmed.startsWith('[')) return trimmed.slice(1, trimmed.indexOf(']') === -1 ? undefined : trimmed.indexOf(']'));
  const colons = trimmed.split(':').length - 1;
  return colons === 1 ? trimmed.slice(0, trimmed.indexOf(':')) : trimmed;
}
