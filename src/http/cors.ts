// CORS for the allowed storefront origins, with credentials so a storefront on another origin can use the
// cookie. The policy is fixed at start-up, so every header value is built once; @fastify/cors, which this
// replaces (issue 20), resolved per-route options on every request (two `request.routeOptions` objects, an
// options spread and a closure) for a policy no route overrides. Same answers: `vary: Origin` always; the
// allow-origin, credentials and expose headers only for an allowed Origin; a preflight from an allowed
// origin is a 204 with the methods, headers and max-age below.
import type { FastifyReply, FastifyRequest } from 'fastify';

const METHODS = 'GET, POST, DELETE';
const ALLOWED_HEADERS = ['content-type', 'x-requested-with', 'x-csrf', 'x-request-id', 'x-client-key', 'authorization'].join(', ');
const EXPOSED_HEADERS = ['x-request-id', 'retry-after'].join(', ');
/** Seconds a browser may reuse a preflight's answer. */
const MAX_AGE = '600';

export interface CorsPolicy {
  /** Adds the CORS headers of an actual request; true when its Origin is allowed. */
  decorate(request: FastifyRequest, reply: FastifyReply): boolean;
  /** Answers an allowed preflight: 204 with the preflight headers and an empty body. */
  answerPreflight(reply: FastifyReply): void;
}

export function corsPolicy(allowedOrigins: ReadonlySet<string>): CorsPolicy {
  return {
    decorate(request, reply) {
      // The answer differs by Origin, so shared caches must key on it, whether or not this one is allowed.
      reply.header('vary', 'Origin');
      const { origin } = request.headers;
      if (origin === undefined || !allowedOrigins.has(origin)) return false;
      reply.header('access-control-allow-origin', origin);
      reply.header('access-control-allow-credentials', 'true');
      reply.header('access-control-expose-headers', EXPOSED_HEADERS);
      return true;
    },
    answerPreflight(reply) {
      reply.header('access-control-allow-methods', METHODS);
      reply.header('access-control-allow-headers', ALLOWED_HEADERS);
      reply.header('access-control-max-age', MAX_AGE);
      // Safari waits for a body on a 204 without content-length.
      reply.code(204).header('content-length', '0').send();
    },
  };
}
