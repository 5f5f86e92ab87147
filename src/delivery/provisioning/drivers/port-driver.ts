import { createHash } from 'node:crypto';
import { createServer } from 'node:net';
import { DriverError, type DriverResult, type ResourceDriver, assertResourceKey } from './driver.js';

export interface PortDriverOptions {
  /** The ports handed out, both ends included, e.g. `[20000, 20999]`. */
  range: [number, number];
  /** The ports existing resources already hold, which are free on the machine until their workloads start. */
  taken(): Promise<Set<number>>;
}

const HOST = '127.0.0.1';

/**
 * Reserves a TCP port on 127.0.0.1 for a workload on the local runtime. Nothing is bound: the
 * port is checked free when handed out, and kept from other resources through `taken()` and
 * through the ports this process handed out since it started.
 */
export function createPortDriver(options: PortDriverOptions): ResourceDriver {
  const [first, last] = options.range;
  if (!Number.isInteger(first) || !Number.isInteger(last) || first < 1 || last > 65535 || first > last) {
    throw new DriverError('delivery.driver_misconfigured', `the port range ${first}-${last} is not within 1-65535, lowest first`);
  }
  const size = last - first + 1;
  /** Port per key, so a second create of a key answers the same port. */
  const handedOut = new Map<string, number>();
  /** Creates run one at a time, so two of them never pick the same free port. */
  let previousCreate: Promise<unknown> = Promise.resolve();

  return {
    name: 'port',

    async create({ key, signal }): Promise<DriverResult> {
      assertResourceKey(key);
      const reserving = previousCreate.catch(() => undefined).then(async () => {
        const port = handedOut.get(key) ?? (await findFreePort(key, signal));
        handedOut.set(key, port);
        return port;
      });
      previousCreate = reserving;
      const port = await reserving;
      return { state: { key, port }, outputs: { port, host: HOST }, secretOutputs: [] };
    },

    async delete(state) {
      if (typeof state.key === 'string' && handedOut.get(state.key) === state.port) handedOut.delete(state.key);
    },

    async close() {},
  };

  async function findFreePort(key: string, signal: AbortSignal | undefined): Promise<number> {
    const taken = new Set(await options.taken());
    for (const port of handedOut.values()) taken.add(port);
    // Starting from a place the key picks spreads resources over the range, so a key deleted and
    // created again usually gets its old port back, and two Paved processes seldom race for one.
    const start = createHash('sha256').update(key).digest().readUInt32BE(0) % size;
    for (let offset = 0; offset < size; offset++) {
      signal?.throwIfAborted();
      const port = first + ((start + offset) % size);
      if (!taken.has(port) && (await isBindable(port))) return port;
    }
    throw new DriverError('delivery.driver_exhausted', `no free port left in ${first}-${last}; widen the range of the port driver`);
  }
}

/** Whether a server could listen on `port` at 127.0.0.1 now. */
function isBindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen({ host: HOST, port, exclusive: true }, () => probe.close(() => resolve(true)));
  });
}
