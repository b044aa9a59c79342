import { defineConfig } from 'vitest/config';

// Test files run in parallel worker processes; each builds its own stack on port 0 and its own Redis
// key prefix, so no file depends on another's state. globalSetup provisions the system programs and
// starts the run's private redis-server.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    pool: 'forks',
    reporters: ['default'],
  },
});
