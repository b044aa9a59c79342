// The OpenAPI document, generated from the routes' zod schemas: GET /docs/openapi.json serves it and
// GET /docs an interactive reference. Registered before the routes, whose onRoute events it collects.
// Error responses are documented once, as the Problem component with the full list of error codes;
// security, caller headers and response headers are added by http/openapi-document.ts.
import { readFileSync } from 'node:fs';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';
import type { OpenAPIV3_1 } from 'openapi-types';
import { z } from 'zod';
import { ERROR_CODES, type ErrorCode } from '../errors.js';
import { decorateDocument } from '../http/openapi-document.js';
import { problem } from '../http/schemas.js';
import { NEVER_SHED } from './load-shedding.js';

export const DOCS_PREFIX = '/docs';
export const OPENAPI_PATH = `${DOCS_PREFIX}/openapi.json`;

const PROBLEM_REF = { $ref: '#/components/schemas/Problem' };
const CODES = Object.keys(ERROR_CODES) as [ErrorCode, ...ErrorCode[]];

// Same depth from src/plugins and dist/plugins; the image ships package.json beside dist.
const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

/** The problem body with `code` narrowed to the catalogue, as a JSON Schema component. */
function problemComponent(): Record<string, unknown> {
  const documented = problem.extend({ code: z.enum(CODES).describe('Stable, machine-readable error code') });
  const { $schema: _ignored, ...schema } = z.toJSONSchema(documented, { target: 'draft-2020-12', io: 'output' });
  return schema;
}

function describeErrors(): string {
  const rows = CODES.map((code) => `| \`${code}\` | ${ERROR_CODES[code].status} | ${ERROR_CODES[code].title} |`);
  return [
    "Backend-for-frontend between a SCAYLE storefront (web and mobile) and SCAYLE's Authentication API.",
    '',
    'Web clients hold a session cookie; token-mode (mobile) clients send `x-client-key` when a session is created and',
    '`Authorization: Token <session_token>` afterwards. Every response carries `x-request-id`.',
    'A request that creates a session ends any session it carries (cookie or Token) first.',
    '',
    '## Methods and bodies',
    'A known path called with a method it does not serve is 405 METHOD_NOT_ALLOWED with an `allow` header.',
    'A body that is not JSON on an operation that takes one is 415 UNSUPPORTED_MEDIA_TYPE. Operations without',
    'a request body accept none, an empty one or `{}`, and answer anything else with 400 VALIDATION_FAILED.',
    'Unknown paths (404) and wrong methods (405) share a per-IP rate limit (429 RATE_LIMITED).',
    '',
    '## Errors',
    'Every error is `application/problem+json` (the `Problem` schema): `type`, `title`, `status`, a stable `code`,',
    'optionally `detail` and `errors` (invalid field paths, never their values), and `request_id`.',
    'Codes are only ever added, never renamed. `retry-after` comes with 429 RATE_LIMITED, 503 SERVICE_UNAVAILABLE',
    '(the service is shedding load) and 503 SESSION_STORE_UNAVAILABLE.',
    '',
    '| code | status | title |',
    '| --- | --- | --- |',
    ...rows,
  ].join('\n');
}

function problemResponse(status: number | 'default'): Record<string, unknown> {
  const codes = CODES.filter((c) => ERROR_CODES[c].status === status).join(', ') || 'no catalogued code';
  const description =
    status === 'default'
      ? 'Any other failure, e.g. 500 INTERNAL_ERROR, or 503 SERVICE_UNAVAILABLE while the service sheds load'
      : `Problem (see the table of codes); ${status} is the status of ${codes}`;
  return { description, content: { 'application/problem+json': { schema: PROBLEM_REF } } };
}

const TAGS: Record<string, string> = { auth: 'auth', health: 'ops', checkout: 'migration' };

/** jsonSchemaTransform, then: problem responses as problem+json references, a default problem, a tag. */
const transform: typeof jsonSchemaTransform = (input) => {
  const result = jsonSchemaTransform(input);
  const schema = result.schema as { hide?: boolean; response?: Record<string, unknown>; tags?: string[] } | undefined;
  if (schema === undefined || schema.hide) return result;
  // The dev-mode demo page is HTML for people, not part of the API.
  if (input.url.startsWith('/demo')) return { ...result, schema: { ...schema, hide: true } };
  const declared = (input.schema as { response?: Record<string, unknown> } | undefined)?.response ?? {};
  const response = { ...schema.response };
  for (const status of Object.keys(response)) {
    if (declared[status] === problem) response[status] = problemResponse(Number(status));
  }
  response.default ??= problemResponse('default');
  schema.response = response;
  const tag = TAGS[input.url.split('/')[1] ?? ''];
  if (schema.tags === undefined && tag !== undefined) schema.tags = [tag];
  return result;
};

export const openapiPlugin = fp(
  async (app: FastifyInstance) => {
    await app.register(swagger, {
      openapi: {
        openapi: '3.1.0',
        info: { title: 'scayle-auth-bff', version, description: describeErrors() },
        tags: [
          { name: 'auth', description: 'Sessions and the SCAYLE authentication flows' },
          { name: 'ops', description: 'Liveness and readiness probes' },
        ],
        components: { schemas: { Problem: problemComponent() } },
      },
      transform,
      transformObject: (document) =>
        decorateDocument((document as { openapiObject: OpenAPIV3_1.Document }).openapiObject, app.config.session.cookieName),
    });
    // Interactive reference at /docs; it loads the document from /docs/json.
    await app.register(swaggerUi, { routePrefix: DOCS_PREFIX });
    app.get(OPENAPI_PATH, { schema: { hide: true }, config: NEVER_SHED }, async () => app.swagger());
  },
  { name: 'openapi', dependencies: ['store'] },
);
