import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { type ErrorDetails, isPavedError } from '../errors.js';
import { isGitRequest } from './authentication.js';

/** The one error body every route answers with; Backstage clients read `error.name` and `error.message`. */
export interface ErrorBody {
  error: { name: string; message: string; code: string; details?: ErrorDetails };
  request: { method: string; url: string };
  response: { statusCode: number };
}

function send(request: FastifyRequest, reply: FastifyReply, status: number, error: ErrorBody['error']) {
  const body: ErrorBody = {
    error,
    request: { method: request.method, url: request.url },
    response: { statusCode: status },
  };
  return reply.status(status).type('application/json; charset=utf-8').send(body);
}

/** Maps every error to a status and the one error body. Only this file knows HTTP statuses. */
export function handleError(error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply) {
  if (isPavedError(error)) {
    // git sends credentials only after a Basic challenge; anywhere else a Basic challenge would
    // make a browser ask for them, and then send them cross-site, so the API names Bearer only.
    if (error.status === 401) reply.header('www-authenticate', isGitRequest(request) ? 'Basic realm="Paved"' : 'Bearer realm="Paved"');
    if (error.status === 429 && typeof error.details.retryAfterSeconds === 'number') reply.header('retry-after', String(error.details.retryAfterSeconds));
    const details = Object.keys(error.details).length ? error.details : undefined;
    return send(request, reply, error.status, { name: error.name, message: error.message, code: error.code, ...(details ? { details } : {}) });
  }
  if (hasZodFastifySchemaValidationErrors(error)) {
    const problems = error.validation.map((issue) => ({
      path: [error.validationContext, ...issue.instancePath.split('/').filter(Boolean)].join('.'),
      message: issue.message ?? 'is invalid',
    }));
    const summary = problems.map((problem) => `${problem.path}: ${problem.message}`).join('; ');
    return send(request, reply, 400, { name: 'InputError', code: 'request.invalid', message: `Invalid request: ${summary}`, details: { problems } });
  }
  const fastifyError = error as FastifyError;
  if (fastifyError.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    return send(request, reply, 413, {
      name: 'PayloadTooLargeError',
      code: 'request.body_too_large',
      message: `The request body is larger than the ${request.routeOptions.bodyLimit ?? 'configured'} bytes allowed`,
      details: { hint: 'Split the input, or register it as a location instead of sending it inline.' },
    });
  }
  if (fastifyError.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    return send(request, reply, 415, {
      name: 'UnsupportedMediaTypeError',
      code: 'request.unsupported_media_type',
      message: `This route does not take ${String(request.headers['content-type'] ?? 'a body without a content type')}`,
      details: { hint: 'Send application/json (or application/yaml where a route reads YAML, such as entity descriptors and pipeline files).' },
    });
  }
  if (fastifyError.statusCode && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
    return send(request, reply, fastifyError.statusCode, {
      name: fastifyError.statusCode === 415 ? 'UnsupportedMediaTypeError' : 'InputError',
      code: `request.${(fastifyError.code ?? 'invalid').toLowerCase()}`,
      message: fastifyError.message,
    });
  }
  request.log.error({ err: error }, 'unhandled error');
  return send(request, reply, 500, { name: 'Error', code: 'internal', message: 'Internal server error; the cause is in the server log' });
}

export function handleNotFound(request: FastifyRequest, reply: FastifyReply) {
  return send(request, reply, 404, {
    name: 'NotFoundError',
    code: 'request.no_route',
    message: `No route ${request.method} ${request.url.split('?')[0]}`,
  });
}
