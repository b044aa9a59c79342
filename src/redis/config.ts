// The Redis part of the configuration: the REDIS_* variables (spread into the one config schema,
// config-schema.ts), the rules across them (called from its superRefine) and the RedisTarget they describe.
import { z } from 'zod';
import { splitList } from '../config-lists.js';
import { parseHostPorts, type HostPort, type RedisTarget } from './target.js';

/** The parsed REDIS_* variables redisTarget reads. */
export interface RedisEnv {
  REDIS_URL?: string | undefined;
  REDIS_CLUSTER_NODES?: HostPort[] | undefined;
  REDIS_SENTINELS?: HostPort[] | undefined;
  REDIS_SENTINEL_NAME?: string | undefined;
  REDIS_SENTINEL_PASSWORD?: string | undefined;
  REDIS_USERNAME?: string | undefined;
  REDIS_PASSWORD?: string | undefined;
}

/** Comma-separated host:port entries; unset gives undefined. */
export function hostPortList() {
  return z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined) return undefined;
      const parsed = parseHostPorts(splitList(value));
      if (parsed !== undefined) return parsed;
      ctx.addIssue({ code: 'custom', message: 'must be comma-separated host:port entries' });
      return z.NEVER;
    });
}

const optionalString = z.string().trim().min(1).optional();

export const redisFields = {
  REDIS_URL: z
    .url({ protocol: /^rediss?$/ })
    .optional()
    .describe('Redis URL (redis:// or rediss://); unset, and no Cluster or Sentinel: bounded in-memory store (one process only)'),
  REDIS_KEY_PREFIX: z.string().default('bff:').describe('Prefix of every Redis key this service writes'),
  // issue 18: Redis Cluster and Sentinel
  REDIS_CLUSTER_NODES: hostPortList().describe('Comma-separated host:port seeds of a Redis Cluster, instead of REDIS_URL'),
  REDIS_SENTINELS: hostPortList().describe('Comma-separated host:port of Redis Sentinels, instead of REDIS_URL'),
  REDIS_SENTINEL_NAME: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,128}$/)
    .optional()
    .describe("The primary's name at the sentinels (sentinel monitor <name>); required with REDIS_SENTINELS"),
  REDIS_SENTINEL_PASSWORD: optionalString.describe('Password of the sentinels themselves (requirepass in sentinel.conf)'),
  REDIS_USERNAME: optionalString.describe('ACL user of the Cluster or Sentinel data nodes (REDIS_URL carries its own)'),
  REDIS_PASSWORD: optionalString.describe('Password of the Cluster or Sentinel data nodes (REDIS_URL carries its own)'),
};

/** At most one Redis topology, and the variables that only make sense with one of them (config superRefine). */
export function redisRules(env: Record<string, unknown>, problem: (name: string, message: string) => void): void {
  const topologies = (['REDIS_URL', 'REDIS_CLUSTER_NODES', 'REDIS_SENTINELS'] as const).filter((name) => env[name] !== undefined);
  for (const name of topologies.slice(1))
    problem(name, `set only one of REDIS_URL, REDIS_CLUSTER_NODES and REDIS_SENTINELS (${topologies[0]} is set)`);
  const sentinel = env.REDIS_SENTINELS !== undefined;
  if (sentinel && env.REDIS_SENTINEL_NAME === undefined) problem('REDIS_SENTINEL_NAME', 'required with REDIS_SENTINELS');
  for (const name of ['REDIS_SENTINEL_NAME', 'REDIS_SENTINEL_PASSWORD'] as const) {
    if (!sentinel && env[name] !== undefined) problem(name, 'only used with REDIS_SENTINELS');
  }
  for (const name of ['REDIS_USERNAME', 'REDIS_PASSWORD'] as const) {
    if (env[name] !== undefined && !sentinel && env.REDIS_CLUSTER_NODES === undefined) {
      problem(name, 'only used with REDIS_CLUSTER_NODES or REDIS_SENTINELS (put credentials in REDIS_URL)');
    }
  }
  if (env.REDIS_USERNAME !== undefined && env.REDIS_PASSWORD === undefined) problem('REDIS_PASSWORD', 'required with REDIS_USERNAME');
}

export function redisTarget(e: RedisEnv): RedisTarget | undefined {
  const auth = { username: e.REDIS_USERNAME, password: e.REDIS_PASSWORD };
  if (e.REDIS_URL !== undefined) return { kind: 'url', url: e.REDIS_URL };
  if (e.REDIS_CLUSTER_NODES !== undefined) return { kind: 'cluster', nodes: e.REDIS_CLUSTER_NODES, ...auth };
  if (e.REDIS_SENTINELS !== undefined && e.REDIS_SENTINEL_NAME !== undefined) {
    return {
      kind: 'sentinel',
      sentinels: e.REDIS_SENTINELS,
      name: e.REDIS_SENTINEL_NAME,
      sentinelPassword: e.REDIS_SENTINEL_PASSWORD,
      ...auth,
    };
  }
  return undefined;
}
