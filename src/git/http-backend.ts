import { spawn } from 'node:child_process';
import type { IncomingHttpHeaders } from 'node:http';
import type { Readable, Writable } from 'node:stream';

export interface CgiRequest {
  method: string;
  /** Path inside the repository root, e.g. `/team/app.git/info/refs`. */
  pathInfo: string;
  query: string;
  headers: IncomingHttpHeaders;
  body: Readable | undefined;
  remoteUser: string;
}

export interface CgiResponse {
  status: number;
  headers: Record<string, string>;
  body: Readable;
}

/**
 * Runs git's own smart-HTTP server (`git http-backend`, a CGI program) for one request: the
 * protocol, packs and ref updates stay git's, Paved only decides who may call it.
 */
export function runHttpBackend(projectRoot: string, request: CgiRequest): Promise<CgiResponse> {
  const child = spawn('git', ['http-backend'], {
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      GIT_PROJECT_ROOT: projectRoot,
      GIT_HTTP_EXPORT_ALL: '1',
      GIT_HTTP_MAX_REQUEST_BUFFER: '100M',
      REQUEST_METHOD: request.method,
      PATH_INFO: request.pathInfo,
      QUERY_STRING: request.query,
      CONTENT_TYPE: String(request.headers['content-type'] ?? ''),
      ...(request.headers['content-length'] ? { CONTENT_LENGTH: String(request.headers['content-length']) } : {}),
      ...(request.headers['content-encoding'] ? { HTTP_CONTENT_ENCODING: String(request.headers['content-encoding']) } : {}),
      ...(request.headers['git-protocol'] ? { GIT_PROTOCOL: String(request.headers['git-protocol']) } : {}),
      REMOTE_USER: request.remoteUser,
      REMOTE_ADDR: '127.0.0.1',
    },
    stdio: ['pipe', 'pipe', 'ignore'],
  });
  if (request.body) request.body.pipe(child.stdin as Writable);
  else child.stdin.end();

  return new Promise((resolve, reject) => {
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end === -1) return;
      child.stdout.off('data', onData);
      child.stdout.pause();
      const headers: Record<string, string> = {};
      let status = 200;
      for (const line of head.subarray(0, end).toString('latin1').split('\r\n')) {
        const colon = line.indexOf(':');
        const name = line.slice(0, colon).trim();
        const value = line.slice(colon + 1).trim();
        if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10);
        else headers[name] = value;
      }
      const rest = head.subarray(end + 4);
      if (rest.length > 0) child.stdout.unshift(rest);
      resolve({ status, headers, body: child.stdout });
    };
    child.stdout.on('data', onData);
    child.on('error', reject);
    child.on('exit', (code) => {
      if (head.indexOf('\r\n\r\n') === -1) reject(new Error(`git http-backend exited with ${code} before answering`));
    });
  });
}
