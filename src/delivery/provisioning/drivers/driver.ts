/**
 * The contract between a provisioner and what really creates a resource (a PostgreSQL database,
 * a Redis user, a directory, a port). A provisioner file names a driver; the driver does the work.
 */

/** What a provisioner asks a driver to create, and the driver's record of what it made. */
export interface DriverRequest {
  /** Unique, stable, lower-case [a-z0-9_] ≤ 40 chars, e.g. 'dev_checkout_db' — names what is created; the same key twice means the same resource (create is idempotent). */
  key: string;
  params: Record<string, unknown>;
  signal?: AbortSignal;
}

export interface DriverResult {
  /** Kept by Paved (encrypted) and handed back to delete(); enough to remove what was made. */
  state: Record<string, string | number>;
  /** Values a workload reads as ${resources.NAME.OUTPUT}. */
  outputs: Record<string, string | number>;
  /** Names of outputs that are secrets (passwords, URLs with passwords): redacted in logs and API responses. */
  secretOutputs: string[];
}

export interface ResourceDriver {
  /** The name provisioner files use: `create: { driver: postgres }`. */
  name: string;
  create(request: DriverRequest): Promise<DriverResult>;
  /** Removes what create made; removing what is already gone is not an error. */
  delete(state: Record<string, string | number>, signal?: AbortSignal): Promise<void>;
  /** Closes connections held (pools). */
  close(): Promise<void>;
}

/**
 * A driver could not do its work. `code` is stable, e.g. `delivery.driver_unavailable` when the
 * server behind the driver cannot be reached. Messages never carry passwords.
 */
export class DriverError extends Error {
  override readonly name = 'DriverError';

  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const RESOURCE_KEY = /^[a-z0-9_]{1,40}$/;

/**
 * Refuses a key outside [a-z0-9_]{1,40}. Drivers put keys into SQL identifiers, ACL rules and
 * paths, so this check is what keeps a key from meaning anything but a name.
 */
export function assertResourceKey(key: unknown): asserts key is string {
  if (typeof key !== 'string' || !RESOURCE_KEY.test(key)) {
    throw new DriverError(
      'delivery.driver_invalid_key',
      `invalid resource key ${typeof key === 'string' ? JSON.stringify(key.slice(0, 60)) : typeof key}: use 1 to 40 characters among a-z, 0-9 and _`,
    );
  }
}

/**
 * The reason an error gives, on one line, for a driver's message, with `secret` (a password the
 * driver connects with) masked. Connecting to `localhost` fails with an AggregateError (one error
 * per address tried) whose own message is empty, so its inner messages are used.
 */
export function failureReason(error: unknown, secret = ''): string {
  const errors = error instanceof AggregateError ? error.errors : [error];
  const reasons = errors.map((each: unknown) => {
    if (!(each instanceof Error)) return String(each);
    return each.message || String((each as NodeJS.ErrnoException).code ?? each.name);
  });
  const reason = [...new Set(reasons)].join('; ').replace(/\s+/g, ' ');
  return secret ? reason.replaceAll(secret, '***') : reason;
}
