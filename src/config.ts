import fs from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { type Env, dropUndefined, fromEnv } from './config-env.js';
import { parseMemoryQuantity } from './sandbox/index.js';

/** The package registries a build needs, the sandbox's egress allow-list unless configured. */
const DEFAULT_EGRESS = [
  'registry.npmjs.org',
  'registry.yarnpkg.com',
  'pypi.org',
  'files.pythonhosted.org',
  'deb.debian.org',
  'security.debian.org',
  'proxy.golang.org',
  'sum.golang.org',
  'crates.io',
  'static.crates.io',
  'index.crates.io',
  'repo.maven.apache.org',
  'rubygems.org',
  'api.nuget.org',
];

/** A memory limit, in the one grammar the sandbox reads (`512Mi`, `2Gi`, `1G`, bytes), and more than 0 bytes. */
const memoryQuantity = (example: string) =>
  z.string().refine((quantity) => parseMemoryQuantity(quantity) !== undefined, `a memory quantity above 0, such as ${example}`).default(example);

/**
 * One typed, validated configuration. Sources, weakest first: defaults, `paved.yaml` (or the
 * file named by `PAVED_CONFIG`), environment variables.
 */
const configSchema = z.object({
  port: z.coerce.number().int().min(0).max(65535).default(7007),
  host: z.string().min(1).default('0.0.0.0'),
  /** Public base URL, used in links the server hands out (locations, git remotes). */
  baseUrl: z.url().optional(),
  dataDir: z.string().min(1).default('./.paved'),
  /** PostgreSQL connection string; SQLite in the data dir when absent. */
  databaseUrl: z.string().startsWith('postgres', 'must be a postgres:// or postgresql:// URL').optional(),
  /** PostgreSQL schema to use (created when missing); lets several instances share one database. */
  databaseSchema: z.string().regex(/^[a-z_][a-z0-9_]*$/, 'use lower-case letters, digits and _').optional(),
  adminToken: z.string().min(16, 'must be at least 16 characters').optional(),
  /** The key secrets are encrypted under (32 bytes, hex or base64); generated into the data dir when absent. */
  masterKey: z.string().optional(),
  /** Groups whose members are administrators. */
  adminGroups: z.array(z.string()).default(['group:default/paved-admins']),
  access: z
    .object({
      /** Days a new token lives when its creator names none. */
      tokenDefaultTtlDays: z.coerce.number().int().positive().default(90),
      /** The most days a token may be made to live; longer requests are refused. */
      tokenMaxTtlDays: z.coerce.number().int().positive().default(365),
      /** Failed authentications one client address may make per minute before it gets 429. */
      failedAuthPerMinute: z.coerce.number().int().positive().default(20),
      /**
       * Addresses or CIDR ranges of the reverse proxies in front of Paved: only from them is
       * X-Forwarded-For believed, so each client is throttled by its own address, not the proxy's.
       * Empty: the header is ignored (anyone could write it).
       */
      trustedProxies: z.array(z.string().min(1)).default([]),
      /** How often an open event stream re-checks its token (revoked, expired, user left the catalog). */
      streamRecheckSeconds: z.coerce.number().positive().default(5),
    })
    .refine((access) => access.tokenDefaultTtlDays <= access.tokenMaxTtlDays, { message: 'tokenDefaultTtlDays must not exceed tokenMaxTtlDays', path: ['tokenDefaultTtlDays'] })
    .prefault({}),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Largest request body accepted, in bytes. */
  bodyLimit: z.coerce.number().int().positive().default(5 * 1024 * 1024),
  /** Load the demo organization and templates into an empty catalog at start. */
  demo: z.coerce.boolean().default(true),
  pipelines: z
    .object({
      /** How often due pipeline schedules are looked for. */
      scheduleCheckSeconds: z.coerce.number().positive().default(15),
    })
    .prefault({}),
  /** Paved's own golden-path templates, registered at start unless turned off. */
  goldenPaths: z.coerce.boolean().default(true),
  /** User templates and expressions render in worker threads; each render has these limits. */
  rendering: z
    .object({
      /** How long one render (a step's input, a template's files, a provisioner's outputs) may take. */
      timeoutMs: z.coerce.number().int().positive().default(2_000),
      /** Most characters one render may produce. */
      maxOutputChars: z.coerce.number().int().positive().default(10 * 1024 * 1024),
    })
    .prefault({}),
  tasks: z
    .object({
      /** How long a failed task keeps the secrets it was given (for a retry); a sweep deletes them after. */
      secretsRetentionHours: z.coerce.number().positive().default(24),
    })
    .prefault({}),
  scaffolder: z
    .object({
      /** Most bytes and files a template run may write. */
      maxOutputBytes: z.coerce.number().int().positive().default(50 * 1024 * 1024),
      maxFiles: z.coerce.number().int().positive().default(5_000),
    })
    .prefault({}),
  /**
   * External git hosts: tokens for publishing (publish:github, publish:gitlab) and for fetching
   * pushed commits, and the secrets their push webhooks are signed with.
   */
  integrations: z
    .object({
      github: z
        .object({ token: z.string().min(1).optional(), apiBaseUrl: z.url().default('https://api.github.com'), webhookSecret: z.string().min(16, 'must be at least 16 characters').optional() })
        .prefault({}),
      gitlab: z
        .object({ token: z.string().min(1).optional(), baseUrl: z.url().default('https://gitlab.com'), webhookToken: z.string().min(16, 'must be at least 16 characters').optional() })
        .prefault({}),
      /** Who owns the repositories Paved mirrors from webhooks (may push to them, re-run their pipelines). */
      mirrorOwner: z.string().default('group:default/paved-admins'),
    })
    .prefault({}),
  delivery: z
    .object({
      /** Folders of provisioner files, consulted before Paved's built-in ones. */
      provisionerFolders: z.array(z.string()).default([]),
      /** The PostgreSQL server `postgres` resources are created on (an admin connection); unset: postgres resources are refused. */
      postgresUrl: z.string().startsWith('postgres', 'must be a postgres:// or postgresql:// URL').optional(),
      /** The Redis server `redis` resources get an ACL user on; unset: redis resources are refused. */
      redisUrl: z.string().startsWith('redis', 'must be a redis:// URL').optional(),
      /** How long a new instance has to pass its readiness probe before the deploy is rolled back. */
      readinessTimeoutSeconds: z.coerce.number().positive().default(60),
      /** The local runtime's first restart delay for a process that exited; it doubles up to a minute. */
      restartBackoffMs: z.coerce.number().int().positive().default(500),
      /** How long a branch's preview environment lives after its last deploy. */
      previewTtlHours: z.coerce.number().positive().default(72),
      /** Environment types: the runtime they use and their rules. */
      environmentTypes: z
        .record(
          z.string().regex(/^[a-z][a-z0-9-]*$/),
          z.object({ runtime: z.enum(['local', 'kubernetes']).default('local'), requiresApproval: z.boolean().default(false) }).strict(),
        )
        .default({
          development: { runtime: 'local', requiresApproval: false },
          staging: { runtime: 'local', requiresApproval: false },
          production: { runtime: 'local', requiresApproval: true },
          preview: { runtime: 'local', requiresApproval: false },
        }),
      /** The long-lived environments, created at start, in promotion order (each promotes to the next). */
      environments: z
        .array(z.object({ name: z.string().regex(/^[a-z][a-z0-9-]{0,30}$/, 'lower-case letters, digits and -, at most 31'), type: z.string() }).strict())
        .default([
          { name: 'dev', type: 'development' },
          { name: 'staging', type: 'staging' },
          { name: 'prod', type: 'production' },
        ]),
      /** The image registry `image: .` is pushed to by builds, for the kubernetes runtime's manifests. */
      registry: z.string().default('registry.paved.localhost'),
      /** The kubernetes runtime's Ingress hosts are `<workload>.<environment>.<ingressDomain>`. */
      ingressDomain: z.string().regex(/^[a-z0-9.-]+$/, 'a DNS domain').default('apps.paved.localhost'),
      /** A domain the router also serves workloads under: a route may claim `<workload>.<environment>.<routeDomain>` and names under it. */
      routeDomain: z.string().regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/, 'a DNS domain with at least two labels, e.g. apps.example.com').optional(),
    })
    .prefault({}),
  /** The sandbox user code runs in (pipeline steps, local workloads). */
  sandbox: z
    .object({
      /**
       * `bubblewrap` (default): user code runs isolated, and is refused while bubblewrap cannot
       * run. `off`: it runs as Paved's own user, seeing everything Paved sees — a single-user
       * laptop only; logged as a warning at start and in every run.
       */
      mode: z.enum(['bubblewrap', 'off']).default('bubblewrap'),
      /** The bubblewrap binary (looked up in PATH when not absolute). */
      bwrap: z.string().min(1).default('bwrap'),
      /** The unprivileged user and group sandboxed code runs as when Paved runs as root: dedicate one to Paved. */
      uid: z.coerce.number().int().min(1).default(65534),
      gid: z.coerce.number().int().min(1).default(65534),
      /** A pipeline job's limits when its pipeline file sets none (`limits:`). */
      memory: memoryQuantity('2Gi'),
      cpus: z.coerce.number().positive().default(2),
      pids: z.coerce.number().int().positive().default(1024),
      /** The most a pipeline file may ask for (`limits:`); a job asking more fails, naming the setting. */
      maxMemory: memoryQuantity('8Gi'),
      maxCpus: z.coerce.number().positive().default(4),
      maxPids: z.coerce.number().int().positive().default(4096),
      /**
       * Hosts sandboxed code may reach through Paved's egress proxy (`name`, `*.domain`, or
       * `name:port`; ports 443 and 80 otherwise). Loopback, private and link-local addresses are
       * refused whatever this says.
       */
      egress: z.array(z.string().regex(/^(\*\.)?[a-z0-9.-]+(:\d{1,5})?$/i, 'a host name, *.domain or host:port')).default(DEFAULT_EGRESS),
      /** Whether local workloads get the egress proxy too (pipelines always do); off: a workload reaches only its own resources. */
      workloadEgress: z.boolean().default(false),
      /** A local workload container's limits when its score.yaml sets none (`resources.limits`). */
      workloadMemory: memoryQuantity('512Mi'),
      workloadCpus: z.coerce.number().positive().default(1),
      workloadPids: z.coerce.number().int().positive().default(256),
    })
    .prefault({}),
  catalog: z
    .object({
      /** Directories `file` locations may read from; none means file locations are refused. */
      fileRoots: z.array(z.string()).default([]),
      /** Hosts `url` locations may fetch even when they resolve to private addresses. */
      urlAllow: z.array(z.string()).default([]),
      /**
       * Directories, files and URL prefixes whose locations may describe users and groups even when
       * a non-administrator registered them (an org file only administrators can change).
       */
      trustedLocations: z.array(z.string()).default([]),
      /** Seconds between background re-reads of every location; 0 turns refresh off. */
      refreshIntervalSeconds: z.coerce.number().min(0).default(300),
      /** Largest descriptor file read from a location, in bytes. */
      maxFileBytes: z.coerce.number().int().positive().default(5 * 1024 * 1024),
      /** Time allowed for one URL fetch, in milliseconds. */
      fetchTimeoutMs: z.coerce.number().int().positive().default(10_000),
    })
    .prefault({}),
});

export type Config = z.infer<typeof configSchema>;

/** Sections whose settings the file and the environment each give some of: an env variable overrides one setting, not the section. */
const SECTIONS = ['catalog', 'pipelines', 'access', 'rendering', 'tasks', 'sandbox', 'delivery'];

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** `{...file, ...env}`, one level deeper for `nested` keys, so an env variable overrides one setting of a section. */
function mergeSections(file: unknown, env: unknown, nested: string[]): Record<string, unknown> {
  const [fromFile, fromEnv] = [(file ?? {}) as Record<string, unknown>, (env ?? {}) as Record<string, unknown>];
  const merged: Record<string, unknown> = { ...fromFile, ...fromEnv };
  for (const key of nested) merged[key] = { ...(fromFile[key] as object | undefined), ...(fromEnv[key] as object | undefined) };
  return merged;
}


function readConfigFile(file: string, required: boolean): Record<string, unknown> {
  if (!fs.existsSync(file)) {
    if (required) throw new ConfigError(`Config file ${file} (PAVED_CONFIG) does not exist`);
    return {};
  }
  let parsed: unknown;
  try {
    parsed = parseYaml(fs.readFileSync(file, 'utf8'), { maxAliasCount: 50 });
  } catch (error) {
    throw new ConfigError(`Config file ${file} is not valid YAML: ${(error as Error).message}`);
  }
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigError(`Config file ${file} must hold a mapping at the top level`);
  }
  return parsed as Record<string, unknown>;
}

/**
 * A catalog file root that holds the data dir would let a `file` location (or a template) read
 * the database, the master key and the admin token — and merely opening `paved.sqlite` in this
 * process releases SQLite's locks on it. Such a configuration is refused, symlinks resolved.
 */
function refuseRootsHoldingDataDir(fileRoots: readonly string[], dataDir: string): void {
  const real = (file: string) => (fs.existsSync(file) ? fs.realpathSync(file) : file);
  const data = real(dataDir);
  for (const root of fileRoots) {
    const relative = path.relative(real(root), data);
    if (relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative))) {
      throw new ConfigError(
        `PAVED_CATALOG_FILE_ROOTS entry ${root} holds the data directory ${dataDir}: locations could read Paved's database and keys. Use a narrower root, or move PAVED_DATA_DIR outside it`,
      );
    }
  }
}

/**
 * Reads and validates the configuration. Throws `ConfigError` naming every bad setting and
 * where it came from; never starts with a half-valid config.
 */
export function loadConfig(env: Env = process.env, cwd = process.cwd()): Config {
  const file = env.PAVED_CONFIG ?? path.join(cwd, 'paved.yaml');
  const fileValues = readConfigFile(file, env.PAVED_CONFIG !== undefined);
  const envValues = dropUndefined(fromEnv(env));
  const merged = {
    ...mergeSections(fileValues, envValues, SECTIONS),
    integrations: mergeSections(fileValues.integrations, envValues.integrations, ['github', 'gitlab']),
  };
  const result = configSchema.safeParse(merged);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `  - ${issue.path.join('.') || '(root)'}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration (from ${file} and the environment):\n${problems.join('\n')}`);
  }
  const config = result.data;
  const dataDir = path.resolve(cwd, config.dataDir);
  const fileRoots = config.catalog.fileRoots.map((root) => path.resolve(cwd, root));
  refuseRootsHoldingDataDir(fileRoots, dataDir);
  return {
    ...config,
    dataDir,
    catalog: {
      ...config.catalog,
      fileRoots,
      trustedLocations: config.catalog.trustedLocations.map((root) => (/^https?:\/\//i.test(root) ? root : path.resolve(cwd, root))),
    },
    delivery: { ...config.delivery, provisionerFolders: config.delivery.provisionerFolders.map((folder) => path.resolve(cwd, folder)) },
  };
}
