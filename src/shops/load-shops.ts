// issue 18 part 3: the deployment's configuration. Without SHOPS_FILE it is loadConfig's one shop, as
// before. With it, every shop is the process environment overridden by the shop's variables and parsed by
// the same schema (config-schema.ts), once, at start-up; every problem of every shop is reported at once.
import { CONFIG_VARIABLES, ConfigError, loadConfig, type Config } from '../config.js';
import { readShopsFile, type ShopEntry } from './shops-file.js';

/** A shop of SHOPS_FILE with its own parsed configuration (its Redis keys under `<REDIS_KEY_PREFIX><id>:`). */
export interface Shop {
  id: string;
  /** Lower-case host names without port; a request whose host is one of them belongs to this shop. */
  hosts: readonly string[];
  /** `/<segment>`: the shop's routes are served under it. */
  pathPrefix: string | undefined;
  config: Config;
}

export interface Deployment {
  /** The process-wide settings (port, logging, Redis, proxies); with shops, the first shop's config. */
  config: Config;
  /** Undefined without SHOPS_FILE: `config` is the one shop, with today's routes and keys. */
  shops: Shop[] | undefined;
}

/**
 * Variables one process has once: the listener, logging, proxies, the one Redis connection and its key
 * prefix, load shedding, tracing and the process-wide worker pool. A shop setting one is a mistake.
 */
export const SHOP_INVARIANT_VARIABLES: ReadonlySet<string> = new Set([
  ...['PORT', 'HOST', 'LOG_LEVEL', 'ACCESS_LOG_HOT_ROUTES', 'TRUST_PROXY', 'DEV_MODE', 'SHOPS_FILE', 'SESSION_MEMORY_MAX_ENTRIES'],
  ...['REDIS_URL', 'REDIS_KEY_PREFIX', 'REDIS_CLUSTER_NODES', 'REDIS_SENTINELS', 'REDIS_SENTINEL_NAME'],
  ...['REDIS_SENTINEL_PASSWORD', 'REDIS_USERNAME', 'REDIS_PASSWORD', 'MAX_EVENT_LOOP_DELAY_MS', 'MAX_EVENT_LOOP_UTILIZATION'],
  ...['OTEL_TRACES_EXPORTER', 'OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', 'OTEL_SDK_DISABLED'],
  ...['PASSWORD_VALIDATION_CONCURRENCY', 'PASSWORD_VALIDATION_QUEUE_MAX'],
  // issue 18 part 4: the one Redis connection's secrets, and the watch switch, are process-wide too.
  ...['REDIS_URL_FILE', 'REDIS_PASSWORD_FILE', 'REDIS_SENTINEL_PASSWORD_FILE', 'SECRET_FILES_WATCH'],
]);

const KNOWN_VARIABLES = new Set(CONFIG_VARIABLES.map((v) => v.name));

/** Throws a ConfigError naming every problem (shop id and variable, never a value). */
export function loadDeployment(env: Record<string, string | undefined> = process.env): Deployment {
  const file = env.SHOPS_FILE?.trim();
  if (!file) return { config: loadConfig(env), shops: undefined };
  const read = readShopsFile(file);
  if ('problems' in read) throw new ConfigError(read.problems.map((p) => `SHOPS_FILE ${p}`));

  const problems: string[] = [];
  const parsed: Array<{ entry: ShopEntry; config: Config }> = [];
  for (const entry of read.shops) {
    const where = `SHOPS_FILE shop "${entry.id}"`;
    const names = Object.keys(entry.variables);
    for (const name of names.filter((n) => SHOP_INVARIANT_VARIABLES.has(n))) {
      problems.push(`${where}: ${name} is the same for every shop; set it in the environment, not in a shop`);
    }
    for (const name of names.filter((n) => !KNOWN_VARIABLES.has(n))) problems.push(`${where}: ${name} is not a configuration variable`);
    try {
      parsed.push({ entry, config: loadConfig({ ...env, ...entry.variables }) });
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems.push(...error.problems.map((p) => `${where}: ${p}`));
    }
  }
  problems.push(...sharedCookieNames(parsed));
  if (problems.length > 0) throw new ConfigError(problems);
  const shops = parsed.map(({ entry, config }) => ({
    id: entry.id,
    hosts: entry.hosts,
    pathPrefix: entry.pathPrefix,
    config: inShopNamespace(config, entry.id),
  }));
  return { config: parsed[0]!.config, shops };
}

/**
 * Shops under path prefixes can share a host, and the session cookie's path is `/`: with one cookie name, a
 * login at one prefix would overwrite the other shop's cookie. Shops on their own hosts may share a name.
 */
function sharedCookieNames(parsed: ReadonlyArray<{ entry: ShopEntry; config: Config }>): string[] {
  const byName = new Map<string, string>();
  const problems: string[] = [];
  for (const { entry, config } of parsed.filter((p) => p.entry.pathPrefix !== undefined)) {
    const other = byName.get(config.session.cookieName);
    if (other === undefined) byName.set(config.session.cookieName, entry.id);
    else problems.push(`SHOPS_FILE shop "${entry.id}": SESSION_COOKIE_NAME must differ from shop "${other}"'s (both have a pathPrefix)`);
  }
  return problems;
}

/** The shop's Redis keys (sessions, locks, index, rate limits, SSO states, queues) all under its own prefix. */
function inShopNamespace(config: Config, id: string): Config {
  return config.redis === undefined ? config : { ...config, redis: { ...config.redis, keyPrefix: `${config.redis.keyPrefix}${id}:` } };
}

/** The shop `id` of a SHOPS_FILE deployment (its Config carries its key prefix), or undefined. */
export function shopById(deployment: Deployment, id: string): Shop | undefined {
  return deployment.shops?.find((shop) => shop.id === id);
}
