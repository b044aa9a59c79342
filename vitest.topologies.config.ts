import { defineConfig } from 'vitest/config';

// `npm run test:redis-topologies` (run by .ci/run after `npm test`): the session and legacy-password store
// contracts, the enrichment queue and the login, refresh, logout and password flows on a local Redis
// Cluster; a Sentinel failover under load, one while a sentinel hangs, and the enrichment queue across one. Only
// Debian's redis-server and redis-cli; everything on 127.0.0.1, stopped by pid at the end.
export default defineConfig({
  test: {
    include: ['test/topologies/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts', 'test/topologies/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 90_000,
    pool: 'forks',
    reporters: ['default'],
  },
});
