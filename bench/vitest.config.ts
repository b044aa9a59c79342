// The benchmark harness's smoke test (test/bench/) on its own: it starts a dozen target processes and takes
// about a minute, far over what `npm test` may spend on it, so it runs as `npm run bench:smoke` (.ci/run too).
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import base from '../vitest.config.js';

export default defineConfig({
  ...base,
  root: fileURLToPath(new URL('..', import.meta.url)),
  test: { ...base.test, include: ['test/bench/**/*.test.ts'], exclude: [] },
});
