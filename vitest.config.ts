import { defineConfig } from 'vitest/config';

// Test files run in parallel worker processes; each builds its own stack on port 0 and its own Redis
// key prefix, so no file depends on another's state.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    pool: 'forks',
    reporters: ['default'],
  },
});
