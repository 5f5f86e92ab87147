import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { pino } from 'pino';
import { type Config, loadConfig } from '../../src/config.js';
import type { DialectName } from '../../src/db/create-database.js';
import { type Paved, createPaved } from '../../src/paved.js';
import type { TaskDefinition } from '../../src/tasks/task-definition.js';

export const ADMIN_TOKEN = 'test-admin-token-0123456789abcdef';
export const FIXTURES_DIR = path.resolve(import.meta.dirname, '../../../shared/fixtures');
export const POSTGRES_URL = process.env.PAVED_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/**
 * The dialects every database test runs on. PostgreSQL is never skipped silently: without a
 * server the tests fail, unless PAVED_TEST_SKIP_POSTGRES=1 says so on purpose.
 */
export const DIALECTS: DialectName[] = process.env.PAVED_TEST_SKIP_POSTGRES === '1' ? ['sqlite'] : ['sqlite', 'postgres'];

export interface TestPaved extends Paved {
  dataDir: string;
  /** A scratch directory inside the allowed catalog file roots. */
  filesDir: string;
  /** Sends a request as `token` (default: the administrator) and returns status and parsed body. */
  call(method: string, url: string, options?: { body?: unknown; token?: string | null; headers?: Record<string, string> }): Promise<{ status: number; body: any; headers: Record<string, unknown> }>;
  /** Stops this Paved, keeping its data, and starts another on the same data (not listening, not started). */
  restart(): Promise<TestPaved>;
}

/** A Paved instance on a fresh SQLite file or a fresh PostgreSQL schema, not listening. */
export async function startTestPaved(
  dialect: DialectName,
  overrides: Partial<Config> = {},
  env: Record<string, string> = {},
  taskDefinitions: readonly TaskDefinition[] = [],
): Promise<TestPaved> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'paved-test-'));
  const filesDir = path.join(dataDir, 'files');
  fs.mkdirSync(filesDir);
  const schema = dialect === 'postgres' ? `t_${crypto.randomBytes(6).toString('hex')}` : undefined;
  const base = loadConfig(
    {
      PAVED_DATA_DIR: dataDir,
      PAVED_ADMIN_TOKEN: ADMIN_TOKEN,
      PAVED_DEMO: 'false',
      PAVED_GOLDEN_PATHS: 'false',
      PAVED_CATALOG_FILE_ROOTS: [fs.realpathSync(filesDir), FIXTURES_DIR].join(','),
      PAVED_CATALOG_REFRESH_SECONDS: '0',
      ...(dialect === 'postgres' ? { DATABASE_URL: POSTGRES_URL, PAVED_DATABASE_SCHEMA: schema! } : {}),
      ...env,
    },
    dataDir,
  );
  const config = { ...base, ...overrides, catalog: { ...base.catalog, ...overrides.catalog } };
  return open(config, dataDir, filesDir, schema, taskDefinitions);
}

async function open(config: Config, dataDir: string, filesDir: string, schema: string | undefined, taskDefinitions: readonly TaskDefinition[]): Promise<TestPaved> {
  const paved = await createPaved(config, { logger: pino({ level: process.env.PAVED_TEST_LOG_LEVEL ?? 'silent' }), taskDefinitions });
  return {
    ...paved,
    dataDir,
    filesDir: fs.realpathSync(filesDir),
    async call(method, url, options = {}) {
      const token = options.token === undefined ? ADMIN_TOKEN : options.token;
      const isText = typeof options.body === 'string';
      const response = await paved.app.inject({
        method: method as 'GET',
        url,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(options.body !== undefined ? { 'content-type': isText ? 'application/yaml' : 'application/json' } : {}),
          ...options.headers,
        },
        ...(options.body !== undefined ? { payload: isText ? (options.body as string) : JSON.stringify(options.body) } : {}),
      });
      let body: unknown = response.body;
      if (String(response.headers['content-type'] ?? '').includes('json') && response.body) body = JSON.parse(response.body);
      return { status: response.statusCode, body, headers: response.headers };
    },
    async restart() {
      await paved.close();
      return open(config, dataDir, filesDir, schema, taskDefinitions);
    },
    async close() {
      await paved.close();
      if (schema) {
        const client = new pg.Client({ connectionString: POSTGRES_URL });
        await client.connect();
        await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
        await client.end();
      }
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Writes files (relative path → content) under `dir`. */
export function writeFiles(dir: string, files: Record<string, string>): void {
  for (const [name, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), content);
  }
}
