import { createHash, randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { DriverError, type DriverResult, type ResourceDriver, assertResourceKey, failureReason } from './driver.js';

export interface RedisDriverOptions {
  /** A Redis 7 connection allowed to manage ACL users, e.g. `redis://127.0.0.1:6379`. */
  url: string;
}

/**
 * One ACL user per resource key, confined to keys and channels under `<key>:`. It may run every
 * command but the administrative and dangerous ones (FLUSHALL, KEYS, CONFIG, ACL, DEBUG, …).
 * Not for Redis Cluster: users and keys are managed on the one server the URL names.
 */
export function createRedisDriver(options: RedisDriverOptions): ResourceDriver {
  const server = describeServer(options.url);
  let connection: Promise<Redis> | undefined;

  function unavailable(error: unknown): DriverError {
    return new DriverError(
      'delivery.driver_unavailable',
      `cannot reach the Redis server at ${server.address} configured for redis resources: ${failureReason(error, server.password)}`,
      { cause: error },
    );
  }

  /** The admin connection, opened on first use and again after it was lost. */
  function admin(): Promise<Redis> {
    if (connection) return connection;
    const opening = openAdminConnection(options.url, unavailable, () => forget(opening));
    connection = opening;
    return opening;
  }

  /** Drops a connection that was lost, unless a newer one already replaced it. */
  function forget(lost: Promise<Redis>): void {
    if (connection === lost) connection = undefined;
  }

  async function asAdmin<T>(doing: string, signal: AbortSignal | undefined, work: (client: Redis) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const opened = admin();
      const client = await opened;
      try {
        return await work(client);
      } catch (error) {
        if (error instanceof DriverError || signal?.aborted) throw error;
        if (isReplyError(error)) {
          throw new DriverError(
            'delivery.driver_failed',
            `the Redis server at ${server.address} could not ${doing}: ${failureReason(error, server.password)}`,
            { cause: error },
          );
        }
        // A connection the server closed while it was idle (a restart, CLIENT KILL) may be
        // noticed only by the next command. Every call here is idempotent, so it is made once
        // more on a new connection.
        if (attempt === 1 && client.status !== 'ready') {
          forget(opened);
          continue;
        }
        throw unavailable(error);
      }
    }
  }

  return {
    name: 'redis',

    async create({ key, signal }): Promise<DriverResult> {
      assertResourceKey(key);
      signal?.throwIfAborted();
      const password = randomBytes(24).toString('base64url');
      await asAdmin(`create the user "${key}"`, signal, async (client) => {
        const existing = await findUser(client, key);
        if (existing === 'someone_elses') {
          throw new DriverError(
            'delivery.driver_conflict',
            `a Redis user named "${key}" already exists and was not created by Paved; choose another resource name`,
          );
        }
        // `reset` first makes a second create leave exactly the rules below and one password:
        // the old password stops working. The password goes as its SHA-256 (`#`), the form
        // Redis keeps, so it never crosses the wire or reaches MONITOR.
        await client.call(
          'ACL',
          'SETUSER',
          key,
          'reset',
          'on',
          `#${createHash('sha256').update(password).digest('hex')}`,
          `~${key}:*`,
          `&${key}:*`,
          '+@all',
          '-@admin',
          '-@dangerous',
        );
      });
      const url = `${server.protocol}//${key}:${password}@${server.urlHost}:${server.port}${server.databasePath}`;
      return {
        state: { username: key },
        outputs: { host: server.host, port: server.port, username: key, password, prefix: `${key}:`, url },
        secretOutputs: ['password', 'url'],
      };
    },

    async delete(state, signal) {
      // A resource whose create stopped halfway is known only by its key, which is the user's name.
      const username = state.username ?? state.key;
      assertResourceKey(username);
      signal?.throwIfAborted();
      await asAdmin(`remove the user "${username}" and its keys`, signal, async (client) => {
        const existing = await findUser(client, username);
        if (existing === 'someone_elses') return;
        // The user goes first (which also disconnects its clients), so no key is written
        // behind the scan. Keys are still removed when the user is already gone: an earlier
        // delete may have stopped between the two.
        if (existing === 'ours') await client.call('ACL', 'DELUSER', username);
        await unlinkKeysEverywhere(client, `${username}:*`, signal);
      });
    },

    async close() {
      const closing = connection;
      connection = undefined;
      const client = await closing?.catch(() => undefined);
      await client?.quit().catch(() => client.disconnect());
    },
  };
}

async function openAdminConnection(
  url: string,
  unavailable: (error: unknown) => DriverError,
  onLost: () => void,
): Promise<Redis> {
  const client = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    connectTimeout: 10_000,
    commandTimeout: 30_000,
    // Shows in CLIENT LIST, so operators can tell the driver's connection apart.
    connectionName: 'paved:redis-driver',
    // No reconnection loop in the background: a driver call fails at once while the server is
    // down, and the next call opens a new connection.
    retryStrategy: () => null,
  });
  // connect() rejects with only "Connection is closed."; the reason comes as an 'error' event.
  let lastError: unknown;
  client.on('error', (error: unknown) => {
    lastError = error;
  });
  client.once('end', onLost);
  try {
    await client.connect();
    return client;
  } catch (error) {
    onLost();
    client.disconnect();
    throw unavailable(lastError ?? error);
  }
}

/** 'ours' when the user's only key and channel patterns are `<name>:*`, the rules create sets. */
async function findUser(client: Redis, name: string): Promise<'ours' | 'someone_elses' | undefined> {
  const reply = await client.call('ACL', 'GETUSER', name);
  if (!Array.isArray(reply)) return undefined;
  const fields = new Map<string, unknown>();
  for (let at = 0; at + 1 < reply.length; at += 2) fields.set(String(reply[at]), reply[at + 1]);
  const ours = fields.get('keys') === `~${name}:*` && fields.get('channels') === `&${name}:*`;
  return ours ? 'ours' : 'someone_elses';
}

/**
 * Unlinks the keys matching `pattern` in every database that holds keys: the user may SELECT
 * another database than the one in the URL. Unlinking frees memory in the background.
 */
async function unlinkKeysEverywhere(client: Redis, pattern: string, signal: AbortSignal | undefined): Promise<void> {
  const keyspace = await client.info('keyspace');
  const databases = [...keyspace.matchAll(/^db(\d+):/gm)].map((match) => Number(match[1]));
  if (databases.length === 0) return;
  // SELECT on the shared connection would move other calls' commands to another database.
  const scanner = client.duplicate({ lazyConnect: true });
  scanner.on('error', () => {});
  try {
    await scanner.connect();
    for (const database of databases) {
      await scanner.select(database);
      let cursor = '0';
      do {
        signal?.throwIfAborted();
        const [next, keys] = await scanner.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
        if (keys.length > 0) await scanner.unlink(...keys);
        cursor = next;
      } while (cursor !== '0');
    }
  } finally {
    scanner.disconnect();
  }
}

interface ServerAddress {
  protocol: string;
  host: string;
  /** The host as a URL writes it (IPv6 in brackets). */
  urlHost: string;
  port: number;
  /** `/N` when the URL selects database N, so the workload's URL selects it too. */
  databasePath: string;
  /** `host:port`, for messages. */
  address: string;
  /** The admin password, to scrub from driver messages. */
  password: string;
}

function describeServer(redisUrl: string): ServerAddress {
  let url: URL;
  try {
    url = new URL(redisUrl);
  } catch {
    // The URL itself is not repeated: it may hold the admin password.
    throw new DriverError('delivery.driver_misconfigured', 'the URL of the redis driver is not a valid URL');
  }
  const urlHost = url.hostname || 'localhost';
  const port = url.port ? Number(url.port) : 6379;
  const database = /^\/(\d+)$/.exec(url.pathname)?.[1];
  return {
    protocol: url.protocol,
    host: urlHost.replace(/^\[(.*)\]$/, '$1'),
    urlHost,
    port,
    databasePath: database && database !== '0' ? `/${database}` : '',
    address: `${urlHost}:${port}`,
    password: decodeURIComponent(url.password),
  };
}

/** An error reply from the server (NOPERM, ERR …), as opposed to a lost connection or a timeout. */
function isReplyError(error: unknown): boolean {
  return error instanceof Error && error.name === 'ReplyError';
}
