// What tests (and embedders) may hand buildApp instead of what the config would open: the dependency
// plugins (store.ts, upstream.ts, sessions.ts) read these; whatever is passed in, the caller closes.
import type { Redis } from 'ioredis';
import type { Config } from '../config.js';
import type { Dispatcher } from 'undici';
import type { SessionStore } from '../sessions/store.js';

export interface DependencyOverrides {
  /** A store to use instead of the one the config names; the caller closes it. */
  store?: SessionStore;
  /** An ioredis client to use for REDIS_URL instead of opening one; the caller closes it. */
  redis?: Redis;
  /** Dispatcher for upstream calls (tests: MockAgent). */
  dispatcher?: Dispatcher;
  now?: () => number;
}

/** The options every dependency plugin is registered with. */
export interface DependencyPluginOptions {
  config: Config;
  overrides: DependencyOverrides;
}
