import { configDefaults, defineConfig } from 'vitest/config';

// Test files run in parallel worker processes; each builds its own stack on port 0 and its own Redis
// key prefix, so no file depends on another's state. globalSetup installs missing system programs and
// starts the run's private redis-server. The benchmark harness's smoke test is too slow for this run:
// bench/vitest.config.ts (`npm run bench:smoke`). The Redis Cluster and Sentinel tests have their own run:
// vitest.topologies.config.ts (`npm run test:redis-topologies`).
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: [...configDefaults.exclude, 'test/bench/**', 'test/topologies/**'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    pool: 'forks',
    reporters: ['default'],
  },
});
