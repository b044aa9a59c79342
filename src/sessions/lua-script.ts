// Runs a Lua script by SHA and sends the source only when the server lacks it (NOSCRIPT), without
// mutating the shared ioredis client the way `defineCommand` would.
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

export type LuaArg = string | number | Buffer;
export type LuaScript = (redis: Redis, keys: readonly string[], args: readonly LuaArg[]) => Promise<unknown>;

export interface LuaScriptOptions {
  /** Return bulk-string replies as Buffers (binary values) instead of UTF-8 decoded strings. */
  binaryReply?: boolean;
}

// ioredis defines a Buffer-reply variant of every command at runtime, but its typings lack these two.
// (`callBuffer` is typed, but mangles the command name under auto-pipelining.)
interface BufferEval {
  evalshaBuffer(sha: string, numKeys: number, ...rest: LuaArg[]): Promise<unknown>;
  evalBuffer(source: string, numKeys: number, ...rest: LuaArg[]): Promise<unknown>;
}

export function luaScript(source: string, { binaryReply = false }: LuaScriptOptions = {}): LuaScript {
  const sha = createHash('sha1').update(source).digest('hex');
  const evalsha = (redis: Redis, keys: readonly string[], args: readonly LuaArg[]): Promise<unknown> =>
    binaryReply
      ? (redis as unknown as BufferEval).evalshaBuffer(sha, keys.length, ...keys, ...args)
      : redis.evalsha(sha, keys.length, ...keys, ...args);
  const evalSource = (redis: Redis, keys: readonly string[], args: readonly LuaArg[]): Promise<unknown> =>
    binaryReply
      ? (redis as unknown as BufferEval).evalBuffer(source, keys.length, ...keys, ...args)
      : redis.eval(source, keys.length, ...keys, ...args);
  return async (redis, keys, args) => {
    try {
      return await evalsha(redis, keys, args);
    } catch (err) {
      // After a restart or SCRIPT FLUSH the cache is empty; EVAL loads the script and runs it once.
      if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
      return evalSource(redis, keys, args);
    }
  };
}
