// The OpenAPI document: valid, lint-clean under Redocly's recommended rules, complete (every route the app
// serves is in it), honest about errors (every /auth route documents problem+json responses), about
// authentication and headers, and the interactive reference answers HTML.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
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

const HIDDEN = /^\/(docs|metrics|demo)\b/;

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

  it('passes `redocly lint` with the recommended rules', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bff-openapi-'));
    try {
      const file = join(dir, 'openapi.json');
      await writeFile(file, JSON.stringify(doc));
      const redocly = new URL('../../node_modules/.bin/redocly', import.meta.url).pathname;
      // No telemetry or update check: the test must not depend on the network.
      const env = { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' };
      const { stdout } = await promisify(execFile)(redocly, ['lint', '--extends=recommended', '--format=json', file], { env });
      const report = JSON.parse(stdout) as { totals: { errors: number }; problems: Array<{ ruleId: string; message: string }> };
      // info-license is the one warning left: the service is private, it has no license to declare.
      expect(report.problems.filter((p) => p.ruleId !== 'info-license')).toEqual([]);
      expect(report.totals.errors).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('documents every route the app serves, and no docs, metrics or demo route', () => {
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

const operations = (): Array<[string, string, any]> =>
  Object.entries<Record<string, any>>(doc.paths).flatMap(([path, item]) =>
    Object.entries<any>(item).map(([m, op]) => [path, m, op] as [string, string, any]),
  );

describe('OpenAPI document: authentication, headers and formats', () => {
  it('gives every operation a unique operationId', () => {
    const ids = operations().map(([, , op]) => op.operationId);
    expect(ids.every((id) => typeof id === 'string' && id !== '')).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('declares the session cookie and the Token header, and which operations need a session', () => {
    expect(doc.components.securitySchemes).toMatchObject({
      sessionCookie: { type: 'apiKey', in: 'cookie', name: stack.config.session.cookieName },
      sessionToken: { type: 'apiKey', in: 'header', name: 'Authorization' },
    });
    const session = [{ sessionCookie: [] }, { sessionToken: [] }];
    expect(doc.paths['/auth/token'].post.security).toEqual(session);
    expect(doc.paths['/auth/sessions/{id}'].delete.security).toEqual(session);
    expect(doc.paths['/auth/logout'].post.security).toEqual([{}, ...session]);
    expect(doc.paths['/auth/login'].post.security).toEqual([]);
    expect(doc.paths['/health/live'].get.security).toEqual([]);
  });

  it('declares the CSRF headers on every POST and DELETE, and x-client-key where sessions are used', () => {
    const names = (op: any): string[] =>
      (op.parameters ?? []).map((p: any) => (p.$ref ? doc.components.parameters[p.$ref.split('/').pop()].name : p.name));
    for (const [path, method, op] of operations()) {
      if (method === 'post' || method === 'delete')
        expect(names(op), `${method} ${path}`).toEqual(expect.arrayContaining(['x-requested-with', 'x-csrf']));
    }
    expect(names(doc.paths['/auth/login'].post)).toContain('x-client-key');
    expect(names(doc.paths['/auth/session'].get)).toContain('x-client-key');
    expect(names(doc.paths['/health/ready'].get)).not.toContain('x-client-key');
  });

  it('declares the response headers: x-request-id everywhere, set-cookie, retry-after and cache-control where sent', () => {
    const headers = (path: string, method: string, status: string) => Object.keys(doc.paths[path][method].responses[status].headers ?? {});
    for (const [path, method, op] of operations()) {
      for (const status of Object.keys(op.responses))
        expect(headers(path, method, status), `${method} ${path} ${status}`).toContain('x-request-id');
    }
    expect(headers('/auth/login', 'post', '200')).toEqual(expect.arrayContaining(['set-cookie', 'cache-control']));
    expect(headers('/auth/logout', 'post', '204')).toContain('set-cookie');
    expect(headers('/auth/token', 'post', '401')).toContain('set-cookie');
    expect(headers('/auth/login', 'post', '429')).toContain('retry-after');
    expect(headers('/health/live', 'get', '200')).not.toContain('set-cookie');
  });

  it('says which strings are e-mail addresses and timestamps', () => {
    const body = doc.paths['/auth/login'].post.requestBody.content['application/json'].schema;
    expect(body.properties.email).toMatchObject({ type: 'string', format: 'email', maxLength: 254 });
    const token = doc.paths['/auth/token'].post.responses['200'].content['application/json'].schema;
    expect(token.properties.expires_at).toMatchObject({ type: 'string', format: 'date-time' });
    const info = doc.paths['/auth/session'].get.responses['200'].content['application/json'].schema;
    expect(info.properties.idle_expires_at.format).toBe('date-time');
    const list = doc.paths['/auth/sessions'].get.responses['200'].content['application/json'].schema;
    expect(list.items.properties.created_at.format).toBe('date-time');
  });
});
