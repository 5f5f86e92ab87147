import http from 'node:http';

export interface TimedResponse {
  status: number;
  body: string;
  /** From writing the request to the last byte of the body. */
  ms: number;
}

export interface HttpClient {
  get(path: string): Promise<TimedResponse>;
  post(path: string, json: unknown): Promise<TimedResponse>;
  close(): void;
}

/**
 * A client on one kept-alive connection, so latency figures measure the server and not TCP
 * handshakes. Plain `node:http` rather than fetch: no client-side timeout caps a long ingest,
 * and the client adds the least overhead of Node's options.
 */
export function createHttpClient(baseUrl: string, token?: string, timeoutMs = 30 * 60_000): HttpClient {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const base = new URL(baseUrl);
  const send = (method: string, path: string, payload?: string): Promise<TimedResponse> =>
    new Promise((resolve, reject) => {
      const headers: Record<string, string> = { accept: 'application/json' };
      if (token) headers.authorization = `Bearer ${token}`;
      if (payload !== undefined) {
        headers['content-type'] = 'application/json';
        headers['content-length'] = String(Buffer.byteLength(payload));
      }
      const started = performance.now();
      const request = http.request({ host: base.hostname, port: base.port, method, path, headers, agent, timeout: timeoutMs }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), ms: performance.now() - started }));
        response.on('error', reject);
      });
      request.on('timeout', () => request.destroy(new Error(`${method} ${path} timed out after ${timeoutMs} ms`)));
      request.on('error', reject);
      request.end(payload);
    });
  return {
    get: (path) => send('GET', path),
    post: (path, json) => send('POST', path, JSON.stringify(json)),
    close: () => agent.destroy(),
  };
}

/** One GET on a fresh connection; resolves the status, or undefined when nothing answers. */
export function probeStatus(url: string, timeoutMs = 2_000): Promise<{ status: number; body: string } | undefined> {
  return new Promise((resolve) => {
    const request = http.get(url, { agent: false, timeout: timeoutMs }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      response.on('error', () => resolve(undefined));
    });
    request.on('timeout', () => request.destroy());
    request.on('error', () => resolve(undefined));
  });
}
