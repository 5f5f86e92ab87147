import { createHash, createHmac, pbkdf2, randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import pg from 'pg';
import { DriverError, type DriverResult, type ResourceDriver, assertResourceKey, failureReason } from './driver.js';

export interface PostgresDriverOptions {
  /** An account allowed to create roles and databases, e.g. `postgres://postgres@127.0.0.1:5432/postgres`. */
  adminUrl: string;
}

/**
 * Marks the roles this driver made. A key that names a role someone else made (`postgres`, say)
 * is refused rather than having its password changed, and delete never drops such a role.
 */
const PAVED_ROLE_COMMENT = 'created by Paved for a postgres resource';

/**
 * One role and one database per resource key: the role logs in with a fresh random password and
 * owns the database, which nobody else may connect to.
 */
export function createPostgresDriver(options: PostgresDriverOptions): ResourceDriver {
  const server = describeServer(options.adminUrl);
  let pool: pg.Pool | undefined;

  /** Checks out an admin connection; any failure here means the server cannot be used at all. */
  async function connect(): Promise<pg.PoolClient> {
    pool ??= openPool(options.adminUrl);
    try {
      return await pool.connect();
    } catch (error) {
      throw new DriverError(
        'delivery.driver_unavailable',
        `cannot reach the PostgreSQL server at ${server.address} configured for postgres resources: ${failureReason(error, server.password)}`,
        { cause: error },
      );
    }
  }

  async function asAdmin<T>(
    doing: string,
    signal: AbortSignal | undefined,
    work: (admin: pg.PoolClient) => Promise<T>,
  ): Promise<T> {
    const admin = await connect();
    try {
      return await work(admin);
    } catch (error) {
      if (error instanceof DriverError || signal?.aborted) throw error;
      const lostConnection = !(error instanceof pg.DatabaseError);
      throw new DriverError(
        lostConnection ? 'delivery.driver_unavailable' : 'delivery.driver_failed',
        `the PostgreSQL server at ${server.address} could not ${doing}: ${failureReason(error, server.password)}`,
        { cause: error },
      );
    } finally {
      admin.release();
    }
  }

  return {
    name: 'postgres',

    async create({ key, signal }): Promise<DriverResult> {
      assertResourceKey(key);
      signal?.throwIfAborted();
      const password = randomBytes(24).toString('base64url');
      // PostgreSQL takes a SCRAM verifier in place of the password, so the password itself never
      // reaches the server, where log_statement = 'ddl' would write it to the log.
      const verifier = await scramSha256Verifier(password);
      await asAdmin(`create the role and database "${key}"`, signal, async (admin) => {
        await createOrUpdateRole(admin, key, verifier);
        signal?.throwIfAborted();
        await createDatabaseOnce(admin, key);
      });
      const url = `postgres://${key}:${password}@${server.urlHost}:${server.port}/${key}`;
      return {
        state: { role: key, database: key },
        outputs: { host: server.host, port: server.port, name: key, database: key, username: key, password, url },
        secretOutputs: ['password', 'url'],
      };
    },

    async delete(state, signal) {
      // A resource whose create stopped halfway is known only by its key, which both names are.
      const role = state.role ?? state.key;
      const database = state.database ?? state.key;
      assertResourceKey(role);
      assertResourceKey(database);
      signal?.throwIfAborted();
      await asAdmin(`remove the role and database "${role}"`, signal, async (admin) => {
        if ((await ownerOfDatabase(admin, database)) === role) {
          // FORCE ends the workload's open sessions, which would otherwise block the drop.
          await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(database)} WITH (FORCE)`);
        }
        signal?.throwIfAborted();
        if ((await findRole(admin, role))?.comment === PAVED_ROLE_COMMENT) {
          await admin.query(`DROP ROLE IF EXISTS ${pg.escapeIdentifier(role)}`);
        }
      });
    },

    async close() {
      const closing = pool;
      pool = undefined;
      await closing?.end();
    },
  };
}

async function createOrUpdateRole(admin: pg.PoolClient, key: string, verifier: string): Promise<void> {
  const role = pg.escapeIdentifier(key);
  const password = pg.escapeLiteral(verifier);
  const existing = await findRole(admin, key);
  if (existing && existing.comment !== PAVED_ROLE_COMMENT) {
    throw new DriverError(
      'delivery.driver_conflict',
      `a PostgreSQL role named "${key}" already exists and was not created by Paved; choose another resource name`,
    );
  }
  if (existing) {
    await admin.query(`ALTER ROLE ${role} WITH LOGIN PASSWORD ${password}`);
    return;
  }
  // One transaction, so a role never exists without the comment that marks it as Paved's.
  await admin.query('BEGIN');
  try {
    await admin.query(`CREATE ROLE ${role} WITH LOGIN PASSWORD ${password}`);
    await admin.query(`COMMENT ON ROLE ${role} IS ${pg.escapeLiteral(PAVED_ROLE_COMMENT)}`);
    await admin.query('COMMIT');
  } catch (error) {
    await admin.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

async function createDatabaseOnce(admin: pg.PoolClient, key: string): Promise<void> {
  const database = pg.escapeIdentifier(key);
  const owner = await ownerOfDatabase(admin, key);
  if (owner !== undefined && owner !== key) {
    throw new DriverError(
      'delivery.driver_conflict',
      `a PostgreSQL database named "${key}" already exists and belongs to "${owner}"; choose another resource name`,
    );
  }
  if (owner === undefined) {
    // CREATE DATABASE cannot run inside a transaction; a concurrent create of the same key
    // loses with duplicate_database, and the database it wanted exists all the same.
    await admin.query(`CREATE DATABASE ${database} OWNER ${database}`).catch((error: unknown) => {
      if (!(error instanceof pg.DatabaseError && error.code === '42P04')) throw error;
    });
  }
  // PUBLIC may connect to a new database by default; only its owner should.
  await admin.query(`REVOKE CONNECT ON DATABASE ${database} FROM PUBLIC`);
}

async function findRole(admin: pg.PoolClient, name: string): Promise<{ comment: string | null } | undefined> {
  const result = await admin.query<{ comment: string | null }>(
    `SELECT shobj_description(oid, 'pg_authid') AS comment FROM pg_roles WHERE rolname = $1`,
    [name],
  );
  return result.rows[0];
}

async function ownerOfDatabase(admin: pg.PoolClient, name: string): Promise<string | undefined> {
  const result = await admin.query<{ owner: string }>(
    'SELECT pg_get_userbyid(datdba) AS owner FROM pg_database WHERE datname = $1',
    [name],
  );
  return result.rows[0]?.owner;
}

function openPool(adminUrl: string): pg.Pool {
  const pool = new pg.Pool({
    connectionString: adminUrl,
    max: 2,
    connectionTimeoutMillis: 10_000,
    idleTimeoutMillis: 30_000,
    application_name: 'paved:postgres-driver',
  });
  // An idle connection that loses its server emits 'error' on the pool; unheard, it would crash
  // the process. The next checkout fails instead, and reports the server as unavailable.
  pool.on('error', () => {});
  pool.on('connect', (client) => client.on('error', () => {}));
  return pool;
}

interface ServerAddress {
  host: string;
  /** The host as a URL writes it (IPv6 in brackets). */
  urlHost: string;
  port: number;
  /** `host:port`, for messages. */
  address: string;
  /** The admin password, to scrub from driver messages. */
  password: string;
}

function describeServer(adminUrl: string): ServerAddress {
  let url: URL;
  try {
    url = new URL(adminUrl);
  } catch {
    // The URL itself is not repeated: it may hold the admin password.
    throw new DriverError('delivery.driver_misconfigured', 'the admin URL of the postgres driver is not a valid URL');
  }
  const urlHost = url.hostname || 'localhost';
  const host = urlHost.replace(/^\[(.*)\]$/, '$1');
  const port = url.port ? Number(url.port) : 5432;
  return { host, urlHost, port, address: `${urlHost}:${port}`, password: decodeURIComponent(url.password) };
}

/**
 * PostgreSQL's stored form of a SCRAM-SHA-256 password (RFC 7677, as `pg_authid` keeps it). The
 * password is base64url, so SASLprep leaves it unchanged.
 */
async function scramSha256Verifier(password: string): Promise<string> {
  const iterations = 4096;
  const salt = randomBytes(16);
  const salted = await promisify(pbkdf2)(password, salt, iterations, 32, 'sha256');
  const storedKey = createHash('sha256').update(createHmac('sha256', salted).update('Client Key').digest()).digest();
  const serverKey = createHmac('sha256', salted).update('Server Key').digest();
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}
