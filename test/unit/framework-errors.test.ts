// Fastify's own request errors onto the error catalogue: each one a request can meet has a stable code,
// and none that Fastify classes as the client's fault turns into a 500.
import { errorCodes } from 'fastify';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../src/errors.js';
import { toAppError } from '../../src/plugins/error-handler.js';

type Constructor = new (...args: unknown[]) => Error & { code: string; statusCode?: number };
const constructors = errorCodes as unknown as Record<string, Constructor>;
const instance = (code: string) => new constructors[code]!('a', 'b', 'c');

describe('Fastify errors', () => {
  it.each([
    ['FST_ERR_BAD_URL', 'BAD_REQUEST'],
    ['FST_ERR_MAX_PARAM_LENGTH', 'URI_TOO_LONG'],
    ['FST_ERR_ASYNC_CONSTRAINT', 'INTERNAL_ERROR'],
    ['FST_ERR_CTP_BODY_TOO_LARGE', 'BODY_TOO_LARGE'],
    ['FST_ERR_CTP_INVALID_MEDIA_TYPE', 'UNSUPPORTED_MEDIA_TYPE'],
    ['FST_ERR_CTP_INVALID_CONTENT_LENGTH', 'BAD_REQUEST'],
    ['FST_ERR_CTP_EMPTY_JSON_BODY', 'INVALID_JSON'],
    ['FST_ERR_CTP_INVALID_JSON_BODY', 'INVALID_JSON'],
    ['FST_ERR_ROUTE_MISSING_CONTENT_TYPE', 'BAD_REQUEST'],
    ['FST_ERR_ROUTE_MISSING_CONTENT', 'BAD_REQUEST'],
    ['FST_ERR_VALIDATION', 'VALIDATION_FAILED'],
    ['FST_ERR_HANDLER_TIMEOUT', 'SERVICE_UNAVAILABLE'],
    ['FST_ERR_NOT_FOUND', 'NOT_FOUND'],
  ])('%s is %s', (fastifyCode, code) => {
    expect(toAppError(instance(fastifyCode)).code).toBe(code);
  });

  it('keeps the status of every Fastify error that blames the request', () => {
    const clientErrors = Object.keys(constructors).filter((code) => {
      const status = instance(code).statusCode;
      return status !== undefined && status >= 400 && status < 500;
    });
    expect(clientErrors).toEqual(expect.arrayContaining(['FST_ERR_BAD_URL', 'FST_ERR_MAX_PARAM_LENGTH', 'FST_ERR_CTP_BODY_TOO_LARGE']));
    for (const code of clientErrors) {
      const mapped = toAppError(instance(code));
      expect(mapped.status, code).toBe(instance(code).statusCode);
      expect(ERROR_CODES[mapped.code].status, code).toBe(mapped.status);
    }
  });

  it('answers a body stream that broke off (the client went away) as a malformed request', () => {
    // What Fastify hands on when the request stream errors mid-body: Node's error, given a 400.
    const aborted = Object.assign(new Error('aborted'), { code: 'ECONNRESET', statusCode: 400 });
    expect(toAppError(aborted).code).toBe('BAD_REQUEST');
  });
});
