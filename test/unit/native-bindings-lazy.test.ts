// The native hash addons (bcrypt, argon2) load only where a legacy hash is checked: a service without the
// password validation route never loads them, and the plugin that serves it preloads both at start-up.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { staticGraph } from '../helpers/static-imports.js';

const NATIVE = ['bcrypt', 'argon2'];

describe('native hash bindings', () => {
  it('are not statically reachable from the server, the app or the import CLI', () => {
    for (const entry of ['src/server.ts', 'src/app.ts', 'src/cli/import-legacy-passwords.ts']) {
      const { files, packages } = staticGraph(entry);
      expect(files.size, entry).toBeGreaterThan(3);
      expect(
        [...packages].filter((p) => NATIVE.includes(p)),
        entry,
      ).toEqual([]);
    }
  });

  it('are preloaded by the migration plugin, so a broken prebuild fails start-up', () => {
    expect(readFileSync('src/plugins/migration.ts', 'utf8')).toMatch(/await preloadNativeBindings\(\)/);
  });
});
