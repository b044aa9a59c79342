// Logging: pino options with redaction defined once. Requests are logged by method, path (never the
// query string, which can carry reset hashes, magic-link tokens or OAuth codes) and request id.
import type { FastifyServerOptions } from 'fastify';
import type { DestinationStream, LoggerOptions } from 'pino';
import { pino } from 'pino';

/** Paths pino replaces with "[redacted]" wherever a logged object carries them. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-client-key"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.new_password',
  '*.current_password',
  '*.refresh_token',
  '*.refreshToken',
  '*.access_token',
  '*.accessToken',
  '*.session_token',
  '*.clientSecret',
  '*.client_secret',
  '*.token',
  '*.hash',
];

export function loggerOptions(level: string, mixin?: () => object): LoggerOptions {
  return {
    level,
    ...(mixin === undefined ? {} : { mixin }),
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    serializers: {
      req: (req: { method: string; url: string; id: string }) => ({ method: req.method, path: pathOnly(req.url), id: req.id }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
  };
}

/** `mixin` adds fields to every line (trace_id and span_id when traces are on). */
export function createLogger(
  level: string,
  destination?: DestinationStream,
  mixin?: () => object,
): NonNullable<FastifyServerOptions['loggerInstance']> {
  // Asynchronous stdout: a synchronous write per line is costly on every request (bench/RESULTS.md §8).
  // buildApp flushes it on close, and close-with-grace closes on crashes too.
  return pino(loggerOptions(level, mixin), destination ?? pino.destination({ dest: 1, sync: false }));
}

export function pathOnly(url: string): string {
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}
