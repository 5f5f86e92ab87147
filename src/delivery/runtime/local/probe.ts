import http from 'node:http';
import https from 'node:https';
import type { ScoreProbe } from '../../score/score-workload.js';

export interface ProbeTarget {
  probe: ScoreProbe | undefined;
  /** A Score port (what the workload declares) → the port this instance really listens on. */
  ports: ReadonlyMap<number, number>;
  /** The instance's first port, for the default probe. */
  defaultPort: number | undefined;
  /** How to reach a port of the instance: its exposed Unix socket in the sandbox, else loopback. */
  connection(port: number): { socketPath: string } | { host: string; port: number };
  /** Runs an exec probe's command where the container runs (its sandbox and network); true when it exits 0. */
  exec(command: string[], timeoutMs: number): Promise<{ ok: boolean; detail: string }>;
}

const PROBE_TIMEOUT_MS = 2_000;

/** One probe: Score's httpGet (200–399 passes, as in Kubernetes) or exec (exit 0), else GET / on the first port. */
export async function probeOnce(target: ProbeTarget): Promise<{ ok: boolean; detail: string }> {
  const { probe } = target;
  if (probe?.exec) return target.exec(probe.exec.command, PROBE_TIMEOUT_MS);
  const httpGet = probe?.httpGet;
  const declaredPort = httpGet?.port;
  const port = declaredPort === undefined ? target.defaultPort : (target.ports.get(declaredPort) ?? declaredPort);
  if (port === undefined) return { ok: true, detail: 'no port to probe' };
  const path = httpGet?.path ?? '/';
  const client = httpGet?.scheme === 'HTTPS' ? https : http;
  const connection = target.connection(port);
  return new Promise((resolve) => {
    const request = client.get(
      {
        ...connection,
        path,
        headers: { ...(httpGet?.host ? { host: httpGet.host } : {}), ...Object.fromEntries((httpGet?.httpHeaders ?? []).map((header) => [header.name, header.value])) },
        timeout: PROBE_TIMEOUT_MS,
        agent: false,
        rejectUnauthorized: false,
      },
      (response) => {
        response.resume();
        const status = response.statusCode ?? 0;
        resolve({ ok: status >= 200 && status < 400, detail: `GET ${path} on port ${port} answered ${status}` });
      },
    );
    request.on('timeout', () => request.destroy(new Error(`no answer within ${PROBE_TIMEOUT_MS} ms`)));
    request.on('error', (error: NodeJS.ErrnoException) => {
      // In the sandbox the probe reaches the port through the namespace's holder, which hangs up
      // when nothing listens there: say that rather than the socket's words.
      const hungUp = 'socketPath' in connection && (error.code === 'ECONNRESET' || error.code === 'EPIPE' || error.message === 'socket hang up');
      resolve({ ok: false, detail: `GET ${path} on port ${port}: ${hungUp ? `nothing answered (is it listening on port ${port}?)` : error.message}` });
    });
  });
}
