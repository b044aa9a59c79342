// Requests Node's HTTP parser rejects before Fastify sees them (a malformed request line or header, a
// header block over the size limit, a request that took too long to arrive): answered on the raw socket,
// as problem+json like every other error, then the connection is closed.
import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { AppError, type ErrorCode, toProblem } from '../errors.js';

function codeFor(error: NodeJS.ErrnoException): ErrorCode {
  if (error.code === 'HPE_HEADER_OVERFLOW') return 'HEADERS_TOO_LARGE';
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') return 'REQUEST_TIMEOUT';
  return 'BAD_REQUEST';
}

/** Fastify's `clientErrorHandler` option (bound to the instance, like Fastify's own default). */
export function answerClientError(this: FastifyInstance, error: NodeJS.ErrnoException, socket: Socket): void {
  // A reset connection has nobody left to answer.
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const problem = new AppError(codeFor(error));
  // No request was parsed, so there is no caller's id to reuse.
  const requestId = randomUUID();
  // Debug, not info: scanners send these by the thousand.
  this.log.debug({ code: problem.code, reason: error.code, requestId }, 'malformed request rejected');
  if (socket.writable) {
    const body = JSON.stringify(toProblem(problem, requestId));
    socket.write(
      [
        `HTTP/1.1 ${problem.status} ${STATUS_CODES[problem.status] ?? ''}`,
        'content-type: application/problem+json; charset=utf-8',
        `content-length: ${Buffer.byteLength(body)}`,
        'cache-control: no-store',
        `x-request-id: ${requestId}`,
        'connection: close',
        '',
        body,
      ].join('\r\n'),
    );
  }
  socket.destroy(error);
}
