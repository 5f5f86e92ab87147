import http from 'node:http';
import type net from 'node:net';

/**
 * Where one host's traffic goes, and how many requests are on their way there: a sandboxed
 * instance's Unix socket (its network namespace has no port the host can reach), or a port on
 * loopback under the sandbox's opt-out.
 */
export type Backend = ({ socketPath: string } | { port: number }) & { inFlight: number };

const ROUTER_HOST = /^([a-z0-9][a-z0-9-]*)\.([a-z0-9][a-z0-9-]*)\.localhost$/;
const RETRYABLE = new Set(['GET', 'HEAD', 'OPTIONS']);
const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade'];

/**
 * Paved's router for the local runtime: a request for `<workload>.<environment>.localhost` (or a
 * host a `route` resource added) on Paved's own port goes to the instance serving it. Switching
 * a host to a new instance is one assignment; the old one is stopped only once its requests are
 * done (`drain`), which is how a deploy loses none.
 */
export class HostRouter {
  private readonly backends = new Map<string, Backend>();
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

  /** `isPavedsHost`: hosts that are Paved's own (its API, its portal), never routed to a workload. */
  constructor(private readonly isPavedsHost: (host: string) => boolean = () => false) {}

  set(host: string, backend: Backend): void {
    this.backends.set(host.toLowerCase(), backend);
  }

  /** Removes a host, unless it has been pointed at another backend since. */
  remove(host: string, backend?: Backend): void {
    const key = host.toLowerCase();
    if (!backend || this.backends.get(key) === backend) this.backends.delete(key);
  }

  hosts(): string[] {
    return [...this.backends.keys()];
  }

  /** Resolves when no request is on its way to the backend, or after `timeoutMs`. */
  async drain(backend: Backend, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (backend.inFlight > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  }

  /** Handles the request if its host is the router's; false leaves it to Paved's API. */
  handle(request: http.IncomingMessage, response: http.ServerResponse): boolean {
    const host = (request.headers.host ?? '').replace(/:\d+$/, '').toLowerCase();
    if (this.isPavedsHost(host)) return false;
    const known = this.backends.has(host);
    const match = ROUTER_HOST.exec(host);
    if (!known && !match) return false;
    if (!known) {
      sendError(response, 404, `no workload ${match![1]} is running in environment ${match![2]}`);
      return true;
    }
    this.forward(host, request, response, RETRYABLE.has(request.method ?? '') ? 1 : 0);
    return true;
  }

  private forward(host: string, request: http.IncomingMessage, response: http.ServerResponse, retries: number): void {
    const backend = this.backends.get(host);
    if (!backend) {
      sendError(response, 503, `${host} has no instance serving it`);
      return;
    }
    backend.inFlight += 1;
    let settled = false;
    const done = () => {
      if (!settled) {
        settled = true;
        backend.inFlight -= 1;
      }
    };
    const headers: http.OutgoingHttpHeaders = { ...request.headers, 'x-forwarded-host': request.headers.host ?? host, 'x-forwarded-for': request.socket.remoteAddress ?? '' };
    for (const header of HOP_BY_HOP) delete headers[header];
    const target = 'socketPath' in backend ? { socketPath: backend.socketPath } : { host: '127.0.0.1', port: backend.port };
    const upstream = http.request({ ...target, method: request.method, path: request.url, headers, agent: this.agent }, (answer) => {
      const answerHeaders = { ...answer.headers };
      for (const header of HOP_BY_HOP) delete answerHeaders[header];
      response.writeHead(answer.statusCode ?? 502, answerHeaders);
      answer.pipe(response);
      answer.on('end', done);
      answer.on('error', done);
    });
    response.on('close', () => {
      done();
      if (!response.writableFinished) upstream.destroy();
    });
    upstream.on('error', (error) => {
      done();
      if (response.headersSent) {
        response.destroy(error);
        return;
      }
      // A keep-alive socket the old instance closed, or the instance that just went away: a
      // request without a body can safely go again, to whatever serves the host now.
      if (retries > 0) {
        setTimeout(() => this.forward(host, request, response, retries - 1), 25);
        return;
      }
      sendError(response, 502, `${host}: the instance did not answer (${error.message})`);
    });
    if (RETRYABLE.has(request.method ?? '')) upstream.end();
    else request.pipe(upstream);
  }

  close(): void {
    this.agent.destroy();
  }
}

function sendError(response: http.ServerResponse, status: number, message: string): void {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  response.end(JSON.stringify({ error: { name: status === 404 ? 'NotFoundError' : 'ServiceUnavailableError', code: 'delivery.router', message } }));
}

/**
 * The router without Paved's API, on a loopback port of its own: where a sandboxed workload's
 * `service-port` resources lead, so it reaches other workloads and never Paved itself.
 */
export function routerOnlyListener(router: HostRouter): { port(): Promise<number>; close(): Promise<void> } {
  let listening: Promise<http.Server> | undefined;
  return {
    async port() {
      listening ??= new Promise((resolve, reject) => {
        const server = http.createServer((request, response) => {
          if (!router.handle(request, response)) response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('only workload hosts are served here\n');
        });
        server.once('error', reject).listen(0, '127.0.0.1', () => resolve(server));
      });
      return ((await listening).address() as net.AddressInfo).port;
    },
    async close() {
      if (listening) await new Promise((resolve) => void listening!.then((server) => server.close(resolve), resolve));
    },
  };
}
