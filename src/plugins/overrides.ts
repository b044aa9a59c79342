// What tests (and embedders) may hand buildApp instead of what the config would open: the dependency
// plugins (store.ts, upstream.ts, sessions.ts, migration.ts) read these; whatever is passed in, the caller closes.
import type { RedisClient } from '../redis/connection.js';
import type { Config } from '../config.js';
import type { Dispatcher } from 'undici';
import type { SessionStore } from '../sessions/store.js';
import type { PasswordWork } from '../migration/password-work.js';

export interface DependencyOverrides {
  /** A store to use instead of the one the config names; the caller closes it. */
  store?: SessionStore;
  /** A client (src/redis/) to use instead of opening the configured one; the caller closes it. */
  redis?: RedisClient;
  /** Dispatcher for upstream calls (tests: MockAgent). */
  dispatcher?: Dispatcher;
  now?: () => number;
  /** Hash formats and check limiter to use instead of building them (SHOPS_FILE: every shop's); the caller closes them. */
  passwordWork?: PasswordWork;
}

/** The options every dependency plugin is registered with. */
export interface DependencyPluginOptions {
  config: Config;
  overrides: DependencyOverrides;
  /** issue 18 part 3: with SHOPS_FILE, the shop these are for (its id is bound into sealed session records). */
  shop?: string;
}
