// The static import graph of a source file: what loading it loads, before any dynamic import() runs.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Files reachable from `entry` through static imports (type-only imports and import() excluded). */
export function staticGraph(entry: string): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string): void => {
    if (files.has(file)) return;
    files.add(file);
    const source = readFileSync(file, 'utf8');
    for (const [, spec] of source.matchAll(/^(?:import|export)\s+(?!type\b)(?:[^'";]*?\s+from\s+)?'([^']+)'/gm)) {
      if (!spec!.startsWith('.')) {
        packages.add(spec!);
        continue;
      }
      const target = join(dirname(file), spec!).replace(/\.js$/, '.ts');
      if (existsSync(target)) visit(target);
    }
  };
  visit(entry);
  return { files, packages };
}
