// What the request span may say: the route pattern and the path without its query string (which can
// carry reset hashes, magic-link tokens or OAuth codes, as the logger knows), never headers or bodies.
import type { Span } from '@opentelemetry/api';
import type { FastifyRequest } from 'fastify';
import { pathOnly } from '../logger.js';

export function requestHook(span: Span, request: FastifyRequest): void {
  // @fastify/otel records url.path as request.url, query string included.
  span.setAttribute('url.path', pathOnly(request.url));
  // "request" alone says nothing in a trace list; the route pattern never holds an id.
  const route = request.routeOptions.url;
  span.updateName(route === undefined ? `${request.method} (unmatched)` : `${request.method} ${route}`);
}

/** ioredis: the command name only (the default serializer keeps keys and Lua arguments: session ids, records). */
export const redisStatement = (command: string): string => command;
