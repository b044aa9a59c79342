// Once per test run, before any test file: install what is missing (test/setup/provision.ts), then start
// the run's own redis-server on a free port and hand its URL to every worker (inject('redisUrl')), so no
// test ever touches a Redis the developer runs. The server is stopped at the end, and cannot outlive an
// interrupted or crashed run either (test/setup/redis-server.ts).
import type { TestProject } from 'vitest/node';
import { provision, ProvisionError } from './setup/provision.js';
import { spawnRedisServer } from './setup/redis-server.js';

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  try {
    await provision();
  } catch (error) {
    if (!(error instanceof ProvisionError)) throw error;
    // One line and stop: a stack trace would only bury what to install.
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
  const redis = await spawnRedisServer();
  project.provide('redisUrl', `redis://127.0.0.1:${redis.port}`);
  return () => redis.stop();
}
