// What the generated OpenAPI document cannot learn from the routes' zod schemas: how each operation is
// authenticated (the session cookie or `Authorization: Token`), the headers a caller sends (the CSRF
// markers, x-client-key) and the headers every answer carries (x-request-id, set-cookie, retry-after,
// cache-control). Routes say how they use a session with `x-session`; this turns that into the document.
import type { OpenAPIV3_1 } from 'openapi-types';

/** How an operation uses the caller's session. */
export type SessionUse = 'creates' | 'requires' | 'optional' | 'none';

declare module 'fastify' {
  interface FastifySchema {
    /** OpenAPI: how the operation uses the caller's session (default `none`). */
    'x-session'?: SessionUse;
  }
}

const SESSION: OpenAPIV3_1.SecurityRequirementObject[] = [{ sessionCookie: [] }, { sessionToken: [] }];
const SECURITY: Record<SessionUse, OpenAPIV3_1.SecurityRequirementObject[]> = {
  requires: SESSION,
  optional: [{}, ...SESSION],
  // No credential needed; one the request carries is ended first (operation description says so).
  creates: [],
  none: [],
};

const ref = (kind: 'headers' | 'parameters', name: string) => ({ $ref: `#/components/${kind}/${name}` });

function components(cookieName: string): OpenAPIV3_1.ComponentsObject {
  return {
    securitySchemes: {
      sessionCookie: {
        type: 'apiKey',
        in: 'cookie',
        name: cookieName,
        description: 'Web clients: the HttpOnly session cookie set by the operations that create a session',
      },
      sessionToken: {
        type: 'apiKey',
        in: 'header',
        name: 'Authorization',
        description: 'Token-mode (mobile) clients: `Authorization: Token <session_token>`',
      },
    },
    parameters: {
      XRequestedWith: {
        name: 'x-requested-with',
        in: 'header',
        description: 'CSRF: `XMLHttpRequest` (or `x-csrf: 1`) is required when the request carries the session cookie or `Origin`',
        schema: { type: 'string', enum: ['XMLHttpRequest'] },
      },
      XCsrf: {
        name: 'x-csrf',
        in: 'header',
        description: 'CSRF: the alternative to `x-requested-with`',
        schema: { type: 'string', enum: ['1'] },
      },
      XClientKey: {
        name: 'x-client-key',
        in: 'header',
        description:
          'A client key from CLIENT_KEYS. Token-mode (mobile) clients send it where a session is created and get `session_token`; ' +
          'sent elsewhere, it must match the session’s client (else 401 CLIENT_UNKNOWN)',
        schema: { type: 'string', maxLength: 256 },
      },
    },
    headers: {
      XRequestId: {
        description: 'The request’s id: the caller’s `x-request-id` when it is a sane token, else a generated one',
        schema: { type: 'string' },
      },
      SetCookie: {
        description:
          'The session cookie (HttpOnly, SameSite=Lax, Path=/): set when a session is created, ' +
          'renewed when its idle deadline slides, cleared when it ends',
        schema: { type: 'string' },
      },
      RetryAfter: { description: 'Seconds to wait before trying again', schema: { type: 'integer', minimum: 1 } },
      CacheControl: {
        description: '`no-store` on answers that carry tokens or session data, and on every problem',
        schema: { type: 'string' },
      },
    },
  };
}

type Operation = OpenAPIV3_1.OperationObject & { 'x-session'?: SessionUse };

function decorateOperation(path: string, method: string, operation: Operation): void {
  const use = operation['x-session'] ?? 'none';
  delete operation['x-session'];
  operation.security = SECURITY[use];
  const parameters = [...(operation.parameters ?? [])];
  if (method === 'post' || method === 'delete') parameters.push(ref('parameters', 'XRequestedWith'), ref('parameters', 'XCsrf'));
  if (use !== 'none') parameters.push(ref('parameters', 'XClientKey'));
  if (parameters.length > 0) operation.parameters = parameters;

  for (const [status, response] of Object.entries(operation.responses ?? {})) {
    if ('$ref' in response) continue;
    const headers: Record<string, { $ref: string }> = { 'x-request-id': ref('headers', 'XRequestId') };
    const success = /^2/.test(status);
    const problem = !success && !/^3/.test(status);
    if (path.startsWith('/auth/') || problem) headers['cache-control'] = ref('headers', 'CacheControl');
    if (status === '429' || status === '503' || status === 'default') headers['retry-after'] = ref('headers', 'RetryAfter');
    const setsCookie = (use !== 'none' && success) || (use === 'requires' && status === '401');
    if (setsCookie) headers['set-cookie'] = ref('headers', 'SetCookie');
    response.headers = { ...response.headers, ...headers };
  }
}

/** Adds servers, security schemes, caller and response headers to the generated document. */
export function decorateDocument(document: OpenAPIV3_1.Document, cookieName: string): OpenAPIV3_1.Document {
  const ours = components(cookieName);
  const decorated: OpenAPIV3_1.Document = {
    ...document,
    // Relative: the document is served by the service it describes.
    servers: [{ url: '/', description: 'This service' }],
    components: { ...document.components, ...ours, schemas: document.components?.schemas ?? {} },
  };
  for (const [path, item] of Object.entries(decorated.paths ?? {})) {
    for (const method of ['get', 'post', 'put', 'patch', 'delete'] as const) {
      const operation = item?.[method];
      if (operation) decorateOperation(path, method, operation);
    }
  }
  return decorated;
}
