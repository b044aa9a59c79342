// Lua scripts as ioredis custom commands (`defineCommand`), the way @fastify/rate-limit defines its own on
// the same client. ioredis sends EVAL the first time on each connection and EVALSHA after, and falls back
// to EVAL on NOSCRIPT, so a restarted or flushed Redis needs nothing from us. Every store on one client
// shares the definitions: a command is defined once, and a name taken by another script is refused. A
// Cluster client defines a command once for all its nodes and loads the script on each node it runs on.
import { createHash } from 'node:crypto';
import type { RedisClient as Redis } from '../redis/connection.js';

export type LuaArg = string | number | Buffer;
export interface LuaScript {
  readonly name: string;
  /** Defines the command on `redis` unless it is already there. Throws when the name holds another script. */
  define(redis: Redis): void;
  /** Runs the command (defining it first if needed). */
  run(redis: Redis, keys: readonly string[], args: readonly LuaArg[]): Promise<unknown>;
}

export interface LuaScriptOptions {
  /** How many of the arguments are keys (fixed per script, as defineCommand needs). */
  keys: number;
  /** Return bulk-string replies as Buffers (binary values): calls the `<name>Buffer` variant. */
  binaryReply?: boolean;
}

type Command = (...args: LuaArg[]) => Promise<unknown>;
/** What defineCommand leaves on the client: the scripts by name (typed `{}` by ioredis) and the commands. */
type Defined = { scriptsSet: Record<string, { sha?: string } | undefined> } & Record<string, unknown>;

/** A script run as the custom command `name` on whichever client it is given. */
export function luaScript(name: string, source: string, { keys, binaryReply = false }: LuaScriptOptions): LuaScript {
  const sha = createHash('sha1').update(source).digest('hex');
  const method = binaryReply ? `${name}Buffer` : name;

  function define(redis: Redis): void {
    const client = redis as unknown as Defined;
    const existing = client.scriptsSet[name];
    if (existing?.sha === sha) return;
    if (existing !== undefined || name in client) throw new Error(`redis command ${name} already exists on this client`);
    redis.defineCommand(name, { numberOfKeys: keys, lua: source });
  }

  return {
    name,
    define,
    run(redis, keyList, args) {
      if (keyList.length !== keys) throw new TypeError(`redis command ${name} takes ${keys} keys`);
      define(redis);
      return ((redis as unknown as Defined)[method] as Command).call(redis, ...keyList, ...args);
    },
  };
}
