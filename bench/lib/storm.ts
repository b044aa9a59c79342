// The refresh storm: sessions whose access tokens are about to expire, N concurrent POST /auth/token on
// each, spread over two instances of the service on one Redis. SCAYLE rotates refresh tokens, so more
// than one upstream refresh per session would log the user out: the emulator's counter must grow by
// exactly the number of sessions, and every request of one session must get the same new token.
import { randomBytes } from 'node:crypto';
import { Agent, request } from 'undici';
import { loginVia, registerDirect, STOREFRONT_HEADERS } from './actors.js';
import { expectJson, inBatches } from './http.js';
import type { Target } from './proc.js';
import { startEmulator, startService, type WorldOptions } from './world.js';

export interface StormOptions extends Omit<WorldOptions, 'sessions'> {
  sessions: number;
  requestsPerSession: number;
}

export interface StormResult {
  sessions: number;
  requestsPerSession: number;
  instances: number;
  ok: number;
  failed: number;
  refreshCalls: number;
  /** Most distinct access tokens handed out for one session (1 = every request saw the same refresh). */
  maxTokensPerSession: number;
  durationMs: number;
}

async function refreshCount(emulator: Target): Promise<number> {
  const stats = await expectJson(200, emulator.url, 'GET', '/__emulator/stats');
  return (stats.body as { calls: Record<string, number> }).calls['token.refresh'] ?? 0;
}

export async function runStorm(o: StormOptions): Promise<StormResult> {
  // Short-lived tokens at login, so every session needs a refresh...
  const emulator = await startEmulator('storm-emulator', { accessTokenTtlSeconds: 20 });
  const prefix = `${o.prefix}storm:`;
  const targets: Target[] = [emulator];
  const agent = new Agent({ connections: 256 });
  try {
    const instances = await Promise.all(
      ['storm-service-1', 'storm-service-2'].map(async (name) => {
        const instance = await startService(name, emulator, o, prefix);
        targets.push(instance);
        return instance;
      }),
    );
    const email = `storm-${randomBytes(4).toString('hex')}@bench.example`;
    await registerDirect(emulator.url, email);
    const cookies = await inBatches(o.sessions, 4, () => loginVia(instances[0]!.url, email));
    // ...and long-lived ones after it, so one refresh makes a session fresh for every later request.
    await expectJson(204, emulator.url, 'PATCH', '/__emulator/options', { body: { accessTokenTtlSeconds: 300 } });
    const before = await refreshCount(emulator);

    const started = Date.now();
    const replies = await Promise.all(
      cookies.flatMap((cookie, session) =>
        Array.from({ length: o.requestsPerSession }, async (_, i) => {
          const res = await request(new URL('/auth/token', instances[i % 2]!.url), {
            method: 'POST',
            headers: { ...STOREFRONT_HEADERS, cookie },
            dispatcher: agent,
          });
          const body = (await res.body.json()) as { access_token?: string };
          return { session, status: res.statusCode, token: body.access_token };
        }),
      ),
    );
    const durationMs = Date.now() - started;
    const refreshCalls = (await refreshCount(emulator)) - before;

    const tokens = cookies.map(() => new Set<string>());
    for (const r of replies) if (r.token !== undefined) tokens[r.session]!.add(r.token);
    const ok = replies.filter((r) => r.status === 200).length;
    return {
      sessions: o.sessions,
      requestsPerSession: o.requestsPerSession,
      instances: instances.length,
      ok,
      failed: replies.length - ok,
      refreshCalls,
      maxTokensPerSession: Math.max(...tokens.map((t) => t.size)),
      durationMs,
    };
  } finally {
    await agent.close();
    await Promise.all(targets.map((t) => t.stop()));
  }
}
