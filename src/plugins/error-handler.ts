// One place that turns every failure into application/problem+json: our AppErrors as they are, Fastify's
// own 4xx (bad URL, bad JSON, body too large, validation) onto stable codes, the store being down onto
// 503, and anything unexpected onto a 500 that says nothing about internals. Failures Fastify meets
// before a route runs come here through `frameworkErrors` (see app.ts).
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { AppError, type ErrorCode, type FieldIssue, isAppError, toProblem } from '../errors.js';
import { clearSessionCookie, type CookieSettings } from '../http/session-cookie.js';
import { StoreUnavailableError } from '../sessions/store.js';

/** Every Fastify error a request can meet (lib/errors.js); the others are start-up or programming errors. */
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_BAD_URL: 'BAD_REQUEST',
  FST_ERR_MAX_PARAM_LENGTH: 'URI_TOO_LONG',
  FST_ERR_ASYNC_CONSTRAINT: 'INTERNAL_ERROR',
  FST_ERR_CTP_INVALID_JSON_BODY: 'INVALID_JSON',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'INVALID_JSON',
  FST_ERR_CTP_BODY_TOO_LARGE: 'BODY_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'BAD_REQUEST',
  FST_ERR_ROUTE_MISSING_CONTENT_TYPE: 'BAD_REQUEST',
  FST_ERR_ROUTE_MISSING_CONTENT: 'BAD_REQUEST',
  FST_ERR_VALIDATION: 'VALIDATION_FAILED',
  FST_ERR_HANDLER_TIMEOUT: 'SERVICE_UNAVAILABLE',
  FST_ERR_NOT_FOUND: 'NOT_FOUND',
  // The body stream broke off (the client went away mid-upload): Fastify passes Node's error on as a 400.
  ECONNRESET: 'BAD_REQUEST',
};

/** A 4xx from a source we did not map by code, by its status. */
const BY_STATUS: Record<number, ErrorCode> = {
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  408: 'REQUEST_TIMEOUT',
  413: 'BODY_TOO_LARGE',
  414: 'URI_TOO_LONG',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  431: 'HEADERS_TOO_LARGE',
};

/** The AppError a failure is answered with. */
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
  if (status !== undefined && status >= 400 && status < 500) return new AppError(BY_STATUS[status] ?? 'BAD_REQUEST', { cause: error });
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

function answer(error: unknown, request: FastifyRequest, reply: FastifyReply, cookie: CookieSettings): FastifyReply {
  const appError = toAppError(error);
  if (appError.status >= 500) {
    request.log.error({ err: error, code: appError.code }, 'request failed');
  } else {
    request.log.info({ code: appError.code }, 'request rejected');
  }
  return sendProblem(reply, request, appError, cookie);
}

export const errorHandlerPlugin = fp(
  async (app: FastifyInstance, options: ErrorHandlerOptions) => {
    app.setErrorHandler((error: unknown, request: FastifyRequest, reply: FastifyReply) => answer(error, request, reply, options.cookie));
  },
  { name: 'error-handler' },
);

/**
 * Fastify's `frameworkErrors` option: a URL it cannot decode, a path parameter over the router's limit
 * or a failing constraint, met before any route (and so before the error handler) runs.
 */
export function frameworkErrorHandler(cookie: CookieSettings): (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => void {
  return (error, request, reply) => {
    answer(error, request, reply, cookie);
  };
}

/** Sends `error` as problem+json, with the request id; already serialised, so it needs no route schema. */
export function sendProblem(reply: FastifyReply, request: FastifyRequest, error: AppError, cookie: CookieSettings): FastifyReply {
  if (error.clearSession) clearSessionCookie(reply, cookie);
  return reply
    .code(error.status)
    .header('x-request-id', request.id)
    .headers(error.headers)
    .header('content-type', 'application/problem+json; charset=utf-8')
    .header('cache-control', 'no-store')
    .send(JSON.stringify(toProblem(error, request.id)));
}
