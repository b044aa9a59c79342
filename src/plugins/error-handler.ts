// One place that turns every failure into application/problem+json: our AppErrors as they are, Fastify's
// own 4xx (bad JSON, body too large, validation) onto stable codes, the store being down onto 503, and
// anything unexpected onto a 500 that says nothing about internals.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { AppError, type ErrorCode, type FieldIssue, isAppError, toProblem } from '../errors.js';
import { clearSessionCookie, type CookieSettings } from '../http/session-cookie.js';
import { StoreUnavailableError } from '../sessions/store.js';

const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'INVALID_JSON',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'INVALID_JSON',
  FST_ERR_CTP_BODY_TOO_LARGE: 'BODY_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'VALIDATION_FAILED',
  FST_ERR_VALIDATION: 'VALIDATION_FAILED',
};

export function toAppError(error: unknown): AppError {
  if (isAppError(error)) return error;
  if (error instanceof StoreUnavailableError) {
    return new AppError('SESSION_STORE_UNAVAILABLE', { cause: error, headers: { 'retry-after': '1' } });
  }
  if (hasZodFastifySchemaValidationErrors(error)) {
    return new AppError('VALIDATION_FAILED', { errors: error.validation.map(fieldIssue), cause: error });
  }
  const fastifyError = error as Partial<FastifyError>;
  const mapped = fastifyError.code === undefined ? undefined : FASTIFY_CODES[fastifyError.code];
  if (mapped) return new AppError(mapped, { cause: error });
  if (error instanceof SyntaxError && fastifyError.statusCode === 400) return new AppError('INVALID_JSON', { cause: error });
  const status = fastifyError.statusCode;
  if (status !== undefined && status >= 400 && status < 500) {
    return new AppError(status === 404 ? 'NOT_FOUND' : status === 405 ? 'METHOD_NOT_ALLOWED' : 'VALIDATION_FAILED', { cause: error });
  }
  return new AppError('INTERNAL_ERROR', { cause: error });
}

function fieldIssue(issue: { instancePath: string; message?: string; params?: Record<string, unknown> }): FieldIssue {
  const keys = issue.params?.keys;
  const base = issue.instancePath.replace(/^\//, '').replaceAll('/', '.');
  // Unknown fields: zod reports them on the parent; name the fields themselves (names, not values).
  if (Array.isArray(keys) && keys.length > 0) {
    return { path: keys.map((k) => (base ? `${base}.${String(k)}` : String(k))).join(','), message: 'Unknown field' };
  }
  return { path: base === '' ? '(body)' : base, message: issue.message ?? 'Invalid value' };
}

export interface ErrorHandlerOptions {
  cookie: CookieSettings;
}

export const errorHandlerPlugin = fp(
  async (app: FastifyInstance, options: ErrorHandlerOptions) => {
    app.setErrorHandler((error: unknown, request: FastifyRequest, reply: FastifyReply) => {
      const appError = toAppError(error);
      if (appError.status >= 500) {
        request.log.error({ err: error, code: appError.code }, 'request failed');
      } else {
        request.log.info({ code: appError.code }, 'request rejected');
      }
      return sendProblem(reply, request, appError, options.cookie);
    });

    app.setNotFoundHandler((request, reply) => sendProblem(reply, request, new AppError('NOT_FOUND'), options.cookie));
  },
  { name: 'error-handler' },
);

export function sendProblem(reply: FastifyReply, request: FastifyRequest, error: AppError, cookie: CookieSettings): FastifyReply {
  if (error.clearSession) clearSessionCookie(reply, cookie);
  return reply
    .code(error.status)
    .header('x-request-id', request.id)
    .headers(error.headers)
    .header('content-type', 'application/problem+json; charset=utf-8')
    .header('cache-control', 'no-store')
    .serializer((payload: unknown) => JSON.stringify(payload))
    .send(toProblem(error, request.id));
}
