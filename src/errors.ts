/**
 * The business errors every module throws. Only `http/error-handler.ts` turns them into HTTP
 * responses; `docs/errors.md` lists every code.
 */

/** Where the problem is, and how to fix it. Every field is optional; fill what is known. */
export interface ErrorDetails {
  /** File or URL the bad input came from. */
  file?: string;
  /** 1-based line in that file. */
  line?: number;
  /** 1-based YAML document index in a multi-document file. */
  document?: number;
  /** JSON path inside the document or body, e.g. `spec.owner`. */
  path?: string;
  hint?: string;
  /** Several problems at once, e.g. one per invalid field. */
  problems?: ErrorDetails[];
  message?: string;
  [key: string]: unknown;
}

export abstract class PavedError extends Error {
  /** The HTTP status this error maps to. */
  abstract readonly status: number;
  /** The error class name in Backstage's vocabulary, read by Backstage clients. */
  abstract override readonly name: string;

  constructor(
    /** Stable machine-readable code, e.g. `catalog.entity_not_found`. */
    readonly code: string,
    message: string,
    readonly details: ErrorDetails = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export class InvalidInputError extends PavedError {
  readonly status = 400;
  readonly name = 'InputError';
}

export class UnauthenticatedError extends PavedError {
  readonly status = 401;
  readonly name = 'AuthenticationError';
}

export class ForbiddenError extends PavedError {
  readonly status = 403;
  readonly name = 'NotAllowedError';
}

export class NotFoundError extends PavedError {
  readonly status = 404;
  readonly name = 'NotFoundError';
}

export class ConflictError extends PavedError {
  readonly status = 409;
  readonly name = 'ConflictError';
}

export class PayloadTooLargeError extends PavedError {
  readonly status = 413;
  readonly name = 'PayloadTooLargeError';
}

/** Too many failed attempts; `details.retryAfterSeconds` says when to try again (sent as `retry-after`). */
export class TooManyRequestsError extends PavedError {
  readonly status = 429;
  readonly name = 'TooManyRequestsError';
}

export function isPavedError(error: unknown): error is PavedError {
  return error instanceof PavedError;
}
