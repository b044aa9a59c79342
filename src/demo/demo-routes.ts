// Dev mode only: GET /demo/ serves the demo storefront page and GET /demo/bff-client.js the typed client
// as JavaScript, so the page exercises the same client a shop would ship.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { FastifyInstance } from 'fastify';
import { DEMO_HTML, DEMO_SCRIPT, DEMO_STYLE } from './demo-page.js';

// Built mode: dist/demo/ sits beside dist/client/, which tsc filled. Under tsx (npm run dev) the sibling
// is src/client/, where only the .ts exists, so it is transpiled instead.
const COMPILED_CLIENT = new URL('../client/bff-client.js', import.meta.url);
const CLIENT_SOURCE = new URL('../client/bff-client.ts', import.meta.url);

const sha256 = (text: string): string => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

/** Hashes, not 'unsafe-inline': only this page's own script and style run; fetches stay on this origin. */
const PAGE_CSP = [
  "default-src 'self'",
  `script-src 'self' ${sha256(DEMO_SCRIPT)}`,
  `style-src 'self' ${sha256(DEMO_STYLE)}`,
  "img-src 'self' data:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

async function loadClientScript(): Promise<string> {
  try {
    // The source map is not served, so the comment pointing at it would only produce a 404.
    return (await readFile(COMPILED_CLIENT, 'utf8')).replace(/^\/\/# sourceMappingURL=.*$/m, '');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  // A devDependency, present whenever tsx is; imported lazily so a built image never needs it.
  const ts = (await import('typescript')).default;
  const source = await readFile(CLIENT_SOURCE, 'utf8');
  return ts.transpileModule(source, {
    fileName: 'bff-client.ts',
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, verbatimModuleSyntax: true },
  }).outputText;
}

export async function demoRoutes(app: FastifyInstance): Promise<void> {
  let clientScript: Promise<string> | undefined;

  // One route for /demo and /demo/ (the router ignores trailing slashes); the page must be at /demo/ so
  // its relative import of ./bff-client.js resolves inside /demo/.
  app.get('/demo', { schema: { summary: 'Dev mode only: the demo storefront page', tags: ['demo'] } }, async (request, reply) => {
    const queryAt = request.url.indexOf('?');
    const path = queryAt === -1 ? request.url : request.url.slice(0, queryAt);
    if (!path.endsWith('/')) return reply.redirect(`/demo/${queryAt === -1 ? '' : request.url.slice(queryAt)}`, 302);
    return (
      reply
        .type('text/html; charset=utf-8')
        .header('content-security-policy', PAGE_CSP)
        .header('cache-control', 'no-store')
        // Other sites get no referrer (the URL may hold a magic token); not no-referrer, under which the Fetch
        // spec has POSTs carry `Origin: null`, which the CSRF rule rejects.
        .header('referrer-policy', 'same-origin')
        .header('x-content-type-options', 'nosniff')
        .send(DEMO_HTML)
    );
  });

  app.get(
    '/demo/bff-client.js',
    { schema: { summary: 'Dev mode only: the typed client as an ES module', tags: ['demo'] } },
    async (_request, reply) => {
      clientScript ??= loadClientScript().catch((error: unknown) => {
        clientScript = undefined; // let the next request try again
        throw error;
      });
      return reply
        .type('text/javascript; charset=utf-8')
        .header('cache-control', 'no-cache')
        .header('x-content-type-options', 'nosniff')
        .send(await clientScript);
    },
  );
}
