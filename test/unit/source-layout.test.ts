// The source layout, read from the import statements: route modules are leaves that only an app.ts
// composes. No route module imports another, no plugin imports one; what routes share (schemas, finding
// and issuing sessions, ending them) lives in src/http/ or the session service.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** Relative specifiers of static imports, re-exports and dynamic imports, resolved to .ts files under src. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specifiers = [...text.matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*|^\s*import\s+)['"](\.[^'"]+)['"]/gm)].map((m) => m[1]!);
  return specifiers.map((s) => resolve(dirname(file), s).replace(/\.js$/, '.ts'));
}

const name = (file: string): string => relative(SRC, file).replaceAll('\\', '/');
/** A module that registers routes: anything in a routes/ folder, or named *-routes.ts. */
const isRouteModule = (file: string): boolean => /(^|\/)routes\//.test(name(file)) || name(file).endsWith('-routes.ts');
/** The app factories, which register the routes in order. */
const composesRoutes = (file: string): boolean => /(^|\/)app\.ts$/.test(name(file));

const files = sourceFiles(SRC);
const edges = files.flatMap((from) => importsOf(from).map((to) => ({ from, to })));

describe('source layout', () => {
  it('reads the imports it checks', () => {
    // Sanity: the scan sees app.ts register the auth routes, so an empty result below means something.
    expect(edges.filter((e) => name(e.from) === 'app.ts' && isRouteModule(e.to)).map((e) => name(e.to))).toEqual(
      expect.arrayContaining(['routes/auth/login.ts', 'routes/auth/session.ts', 'demo/demo-routes.ts']),
    );
  });

  it('lets only an app.ts import a route module: no route imports a route, no plugin imports a route', () => {
    const offending = edges.filter((e) => isRouteModule(e.to) && !composesRoutes(e.from)).map((e) => `${name(e.from)} -> ${name(e.to)}`);
    expect(offending).toEqual([]);
  });

  it('keeps route folders to route modules (shared helpers live in src/http or src/sessions)', () => {
    const routeFolders = files.filter((f) => /(^|\/)routes\//.test(name(f)));
    const registering = (file: string): boolean => /\b(get|post|put|patch|delete|route)\s*\(/.test(readFileSync(file, 'utf8'));
    expect(routeFolders.filter((f) => !registering(f)).map(name)).toEqual([]);
  });
});
