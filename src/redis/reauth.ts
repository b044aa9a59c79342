// issue 18 part 4: a reloaded Redis password reaches the open client without dropping its connection:
// ioredis authenticates from its options on every (re)connect, so the new password is set there and
// takes effect at the next reconnect. A REDIS_URL reload applies only its user and password (a new host
// or port needs a restart). Let Redis accept both passwords while the rotation runs (ACL: two passwords).
import { Cluster } from 'ioredis';
import type { RedisClient } from './connection.js';

/** Names of the reloadable Redis secrets: a reload that changed one of them re-applies them (applyRedisPasswords). */
export const REDIS_SECRET_NAMES: ReadonlySet<string> = new Set(['REDIS_URL', 'REDIS_PASSWORD', 'REDIS_SENTINEL_PASSWORD']);

/** The reloadable Redis secrets (issue 18 part 4), as the config names them. */
export interface RedisSecrets {
  REDIS_URL?: string | undefined;
  REDIS_PASSWORD?: string | undefined;
  REDIS_SENTINEL_PASSWORD?: string | undefined;
}

interface Auth {
  username?: string | null | undefined;
  password?: string | null | undefined;
  sentinelPassword?: string | null | undefined;
}

/** The credentials ioredis will send on the next connect of `client` (and, for a Cluster, of each node). */
export function applyRedisPasswords(client: RedisClient, values: RedisSecrets): void {
  const auth: Auth = {};
  if (values.REDIS_URL !== undefined) {
    const url = new URL(values.REDIS_URL);
    auth.username = url.username === '' ? undefined : decodeURIComponent(url.username);
    auth.password = url.password === '' ? undefined : decodeURIComponent(url.password);
  } else if (values.REDIS_PASSWORD !== undefined) {
    auth.password = values.REDIS_PASSWORD;
  }
  if (values.REDIS_SENTINEL_PASSWORD !== undefined) auth.sentinelPassword = values.REDIS_SENTINEL_PASSWORD;
  if (client instanceof Cluster) {
    const nodeOptions = (client.options.redisOptions ??= {});
    setAuth(nodeOptions, auth);
    for (const node of client.nodes('all')) setAuth(node.options, auth);
  } else {
    setAuth(client.options, auth);
  }
}

function setAuth(options: Auth, auth: Auth): void {
  if ('username' in auth) options.username = auth.username;
  if ('password' in auth) options.password = auth.password;
  if ('sentinelPassword' in auth) options.sentinelPassword = auth.sentinelPassword;
}
