// The OpenAPI document: valid, complete (every route the app serves is in it), honest about errors (every
// /auth route documents problem+json responses), and the interactive reference answers HTML.
import SwaggerParser from '@apidevtools/swagger-parser';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../src/errors.js';
import { Browser, type Reply } from '../helpers/http.js';
import { startStack, type Stack } from '../helpers/stack.js';

let stack: Stack;
let doc: any;
let ui: Reply;
let uiDocument: Reply;
beforeAll(async () => {
  stack = await startStack({ memory: true });
  // Every request first: the validation below keeps this process's event loop busy for a while, and a
  // request after it could meet load shedding (the service runs in this process).
  const browser = new Browser(stack.url);
  const res = await browser.get('/docs/openapi.json');
  expect(res.status).toBe(200);
  doc = res.body;
  ui = await browser.get('/docs');
  uiDocument = await browser.get('/docs/json');
});
afterAll(async () => {
  await stack.close();
});

const HIDDEN = /^\/(docs|metrics)\b/;

/** Every (method, path) the app routes, read from printRoutes' tree: each line adds its segment to its parent's. */
function registeredRoutes(app: FastifyInstance): Array<{ method: string; path: string }> {
  const routes: Array<{ method: string; path: string }> = [];
  const stackOfPaths: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const match = /^((?:[│ ] {3})*)[├└]── (.+?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!match) continue;
    const depth = match[1]!.length / 4;
    const path = (stackOfPaths[depth - 1] ?? '') + match[2]!;
    stackOfPaths[depth] = path;
    stackOfPaths.length = depth + 1;
    for (const method of (match[3] ?? '').split(',').map((m) => m.trim())) {
      if (method !== '' && method !== 'HEAD' && method !== 'OPTIONS') routes.push({ method, path });
    }
  }
  return routes;
}

const toOpenApiPath = (path: string): string => path.replace(/:(\w+)/g, '{$1}');

describe('OpenAPI document', () => {
  it('is a valid OpenAPI document with the service name and version', async () => {
    await SwaggerParser.validate(structuredClone(doc));
    expect(doc.info.title).toBe('scayle-auth-bff');
    expect(doc.info.version).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('documents every route the app serves, and no docs or metrics route', () => {
    const routes = registeredRoutes(stack.app).filter((r) => !HIDDEN.test(r.path));
    // Sanity: the parser found the service's routes, not an empty list.
    expect(routes).toEqual(
      expect.arrayContaining([
        { method: 'POST', path: '/auth/login' },
        { method: 'DELETE', path: '/auth/sessions/:id' },
      ]),
    );
    for (const { method, path } of routes) {
      expect(doc.paths[toOpenApiPath(path)]?.[method.toLowerCase()], `${method} ${path}`).toBeDefined();
    }
    expect(Object.keys(doc.paths).filter((p) => HIDDEN.test(p))).toEqual([]);
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/health/live', '/health/ready']));
  });

  it('documents problem+json responses for every /auth operation', () => {
    const authPaths = Object.entries<Record<string, any>>(doc.paths).filter(([path]) => path.startsWith('/auth/'));
    expect(authPaths.length).toBeGreaterThan(5);
    for (const [path, operations] of authPaths) {
      for (const [method, operation] of Object.entries<any>(operations)) {
        const problems = Object.entries<any>(operation.responses).filter(([status]) => /^[45]\d\d$/.test(status));
        expect(problems.length, `${method} ${path} declares its error statuses`).toBeGreaterThan(0);
        for (const [status, response] of [...problems, ['default', operation.responses.default]]) {
          expect(response?.content?.['application/problem+json']?.schema, `${method} ${path} ${status}`).toEqual({
            $ref: '#/components/schemas/Problem',
          });
        }
        const success = Object.keys(operation.responses).filter((s) => /^[23]\d\d$/.test(s));
        expect(success.length, `${method} ${path} declares its success status`).toBeGreaterThan(0);
      }
    }
  });

  it('describes the error model: the Problem schema and every error code', () => {
    const problem = doc.components.schemas.Problem;
    expect(problem.required).toEqual(expect.arrayContaining(['type', 'title', 'status', 'code', 'request_id']));
    expect(problem.properties.code.enum).toEqual(Object.keys(ERROR_CODES));
    for (const code of Object.keys(ERROR_CODES)) expect(doc.info.description).toContain(`\`${code}\``);
  });

  it('documents readiness with the failing part named', () => {
    const ready = doc.paths['/health/ready'].get.responses;
    expect(Object.keys(ready)).toEqual(expect.arrayContaining(['200', '503']));
    expect(Object.keys(ready['503'].content['application/json'].schema.properties.checks.properties)).toEqual(['store', 'upstream']);
  });

  it('serves the interactive reference at /docs', () => {
    expect(ui.status).toBe(200);
    expect(ui.headers['content-type']).toMatch(/^text\/html/);
    expect(ui.text).toContain('swagger');
    // The reference loads the same document.
    expect(uiDocument.body).toEqual(doc);
  });
});
