// The Sentinel failover tests' shared steps (sessions written to the replica, the recovery wait) and what
// they report when the recovery wait times out: the last probe's replies by status
// and code, and where the service's Redis client is, how it got there and what the service logged about
// Redis since the kill (error messages pass safeError first: no secrets). Enough to diagnose a CI failure
// from its output alone.
import type { Redis } from 'ioredis';
import { expect } from 'vitest';
import { browserAt } from '../helpers/account.js';
import { eventually } from '../helpers/eventually.js';
import { uniqueEmail, type Browser, type Reply } from '../helpers/http.js';
import type { Stack } from '../helpers/stack.js';
import { cli, type LocalSentinelSet } from './processes.js';

/** The replies of one probe, counted by status and error code: `{"200":18,"503 SESSION_STORE_UNAVAILABLE":2}`. */
export function tallyReplies(replies: Array<PromiseSettledResult<Reply>>): string {
  const counts: Record<string, number> = {};
  for (const r of replies) {
    const reason = r.status === 'rejected' ? (r.reason as { code?: unknown; message?: unknown }) : undefined;
    const key =
      r.status === 'rejected'
        ? `request failed ${String(reason?.code ?? reason?.message)}`
        : [r.value.status, r.value.body?.code].filter((x) => x !== undefined).join(' ');
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return `replies ${JSON.stringify(counts)}`;
}

interface LogLine {
  time: number;
  msg?: string;
  err?: { code?: string; message?: string };
}

function parsed(line: string): LogLine | undefined {
  try {
    return JSON.parse(line) as LogLine;
  } catch {
    return undefined;
  }
}

/**
 * Records the connection events of `stack`'s Redis client from now on; the returned function describes the
 * client since `killedAt`.
 */
export function watchSentinelClient(stack: Stack, set: LocalSentinelSet): (killedAt: number) => string {
  const redis = stack.app.redis as Redis;
  const events: Array<{ at: number; event: string; port: number | undefined }> = [];
  for (const event of ['connect', 'ready', 'close', 'reconnecting', 'end'])
    redis.on(event, () => events.push({ at: Date.now(), event, port: redis.stream?.remotePort }));
  return (killedAt) => {
    const since = (at: number) => `+${at - killedAt} ms`;
    const ports = `old primary ${set.primary.port}, replica ${set.replica.port}`;
    const where = `client ${redis.status} on port ${redis.stream?.remotePort ?? 'none'} (${ports})`;
    const seen = events.filter((e) => e.at >= killedAt).map((e) => `${since(e.at)} ${e.event}${e.port ? ` ${e.port}` : ''}`);
    const logged = stack.logs
      .flatMap((chunk) => chunk.split('\n'))
      .map(parsed)
      .filter((l): l is LogLine => l !== undefined && l.time >= killedAt && /redis/i.test(l.msg ?? ''))
      .map((l) => `${since(l.time)} ${l.msg}${l.err ? ` (${[l.err.code, l.err.message].filter(Boolean).join(' ')})` : ''}`);
    return `${where}; client events since the kill: ${seen.slice(-30).join(', ')}; logged: ${logged.slice(-10).join(' | ')}`;
  };
}

/**
 * Resolves once every browser's GET /auth/session answers 200 in one probe; after `timeoutMs` (10 s: the
 * README's recovery promise, with room) throws what the last probe got and where the client is.
 */
export async function everySessionWorksAgain(browsers: Browser[], describeClient: () => string, timeoutMs = 10_000): Promise<void> {
  let lastProbe: Array<PromiseSettledResult<Reply>> = [];
  await eventually(
    async () => {
      lastProbe = await Promise.allSettled(browsers.map((b) => b.get('/auth/session')));
      return lastProbe.every((r) => r.status === 'fulfilled' && r.value.status === 200);
    },
    'every session to work again',
    timeoutMs,
    50,
    () => `${tallyReplies(lastProbe)}; ${describeClient()}`,
  );
}

/** `count` guest sessions on `url`, each written to the replica too (WAIT 1) before the primary is killed. */
export async function replicatedGuestSessions(url: string, set: LocalSentinelSet, nodePassword: string, count: number): Promise<Browser[]> {
  const browsers: Browser[] = [];
  for (let i = 0; i < count; i += 1) {
    const browser = browserAt(url);
    const res = await browser.post('/auth/login/guest', { gender: 'f', first_name: 'A', last_name: 'B', email: uniqueEmail('sentinel') });
    expect(res.status, res.text).toBe(200);
    browsers.push(browser);
  }
  expect((await cli(set.primary.port, ['wait', '1', '5000'], nodePassword)).trim()).toBe('1');
  return browsers;
}
