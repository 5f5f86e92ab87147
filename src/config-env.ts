/** How environment variables map onto the configuration's settings (see loadConfig in config.ts). */

export type Env = Record<string, string | undefined>;

function list(value: string | undefined): string[] | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  return value
    .split(/[,\n]/)
    .map((item) => item.trim())
    .filter(Boolean);
}

/** The settings environment variables give, shaped like `paved.yaml` (unset ones left out). */
export function fromEnv(env: Env): Record<string, unknown> {
  const catalog = {
    fileRoots: list(env.PAVED_CATALOG_FILE_ROOTS),
    urlAllow: list(env.PAVED_CATALOG_URL_ALLOW),
    trustedLocations: list(env.PAVED_CATALOG_TRUSTED_LOCATIONS),
    refreshIntervalSeconds: env.PAVED_CATALOG_REFRESH_SECONDS,
  };
  return {
    port: env.PORT,
    host: env.HOST,
    baseUrl: env.PAVED_BASE_URL,
    dataDir: env.PAVED_DATA_DIR,
    databaseUrl: env.DATABASE_URL,
    databaseSchema: env.PAVED_DATABASE_SCHEMA,
    adminToken: env.PAVED_ADMIN_TOKEN,
    masterKey: env.PAVED_MASTER_KEY,
    adminGroups: list(env.PAVED_ADMIN_GROUPS),
    access: dropUndefined({
      tokenDefaultTtlDays: env.PAVED_TOKEN_DEFAULT_TTL_DAYS,
      tokenMaxTtlDays: env.PAVED_TOKEN_MAX_TTL_DAYS,
      failedAuthPerMinute: env.PAVED_AUTH_FAILURES_PER_MINUTE,
      trustedProxies: list(env.PAVED_TRUSTED_PROXIES),
      streamRecheckSeconds: env.PAVED_STREAM_RECHECK_SECONDS,
    }),
    logLevel: env.PAVED_LOG_LEVEL ?? env.LOG_LEVEL,
    demo: flag(env.PAVED_DEMO),
    goldenPaths: flag(env.PAVED_GOLDEN_PATHS),
    integrations: dropUndefined({
      github: dropUndefined({ token: env.PAVED_GITHUB_TOKEN, apiBaseUrl: env.PAVED_GITHUB_API_URL, webhookSecret: env.PAVED_GITHUB_WEBHOOK_SECRET }),
      gitlab: dropUndefined({ token: env.PAVED_GITLAB_TOKEN, baseUrl: env.PAVED_GITLAB_URL, webhookToken: env.PAVED_GITLAB_WEBHOOK_TOKEN }),
    }),
    catalog: dropUndefined(catalog),
    pipelines: dropUndefined({ scheduleCheckSeconds: env.PAVED_PIPELINES_SCHEDULE_CHECK_SECONDS }),
    rendering: dropUndefined({ timeoutMs: env.PAVED_RENDER_TIMEOUT_MS, maxOutputChars: env.PAVED_RENDER_MAX_OUTPUT_CHARS }),
    tasks: dropUndefined({ secretsRetentionHours: env.PAVED_TASK_SECRETS_RETENTION_HOURS }),
    sandbox: dropUndefined({
      mode: env.PAVED_SANDBOX,
      bwrap: env.PAVED_SANDBOX_BWRAP,
      uid: env.PAVED_SANDBOX_UID,
      gid: env.PAVED_SANDBOX_GID,
      memory: env.PAVED_SANDBOX_MEMORY,
      cpus: env.PAVED_SANDBOX_CPUS,
      pids: env.PAVED_SANDBOX_PIDS,
      maxMemory: env.PAVED_SANDBOX_MAX_MEMORY,
      maxCpus: env.PAVED_SANDBOX_MAX_CPUS,
      maxPids: env.PAVED_SANDBOX_MAX_PIDS,
      egress: list(env.PAVED_SANDBOX_EGRESS),
      workloadEgress: flag(env.PAVED_SANDBOX_WORKLOAD_EGRESS),
      workloadMemory: env.PAVED_SANDBOX_WORKLOAD_MEMORY,
      workloadCpus: env.PAVED_SANDBOX_WORKLOAD_CPUS,
      workloadPids: env.PAVED_SANDBOX_WORKLOAD_PIDS,
    }),
    delivery: dropUndefined({
      provisionerFolders: list(env.PAVED_DELIVERY_PROVISIONERS),
      postgresUrl: env.PAVED_DELIVERY_POSTGRES_URL,
      redisUrl: env.PAVED_DELIVERY_REDIS_URL,
      readinessTimeoutSeconds: env.PAVED_DELIVERY_READINESS_TIMEOUT_SECONDS,
      restartBackoffMs: env.PAVED_DELIVERY_RESTART_BACKOFF_MS,
      previewTtlHours: env.PAVED_DELIVERY_PREVIEW_TTL_HOURS,
      registry: env.PAVED_DELIVERY_REGISTRY,
      ingressDomain: env.PAVED_DELIVERY_INGRESS_DOMAIN,
      routeDomain: env.PAVED_DELIVERY_ROUTE_DOMAIN,
    }),
  };
}

/** A yes/no variable: anything but `0`, `false` and `no` is yes; unset is no opinion. */
function flag(value: string | undefined): boolean | undefined {
  return value === undefined ? undefined : !['0', 'false', 'no'].includes(value);
}

export function dropUndefined(values: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined && v !== ''));
}
