// Does a burst of password checks starve the session routes? The service (own process, real Redis, the
// emulator as SCAYLE) answers GET /auth/session in a closed loop (8 in flight) for `seconds`, first alone,
// then while 50 validations per second (bcrypt 10 the most common kind, argon2id 64 MiB, phpass 2^13; a third right, a third
// wrong, a third unknown e-mails) arrive. Prints session p50/p99 for both phases and validation latency by
// outcome (the unknown-vs-wrong timing parity). Local only, bounded in time.
//   npx tsx bench/migration/validation-load.ts [seconds=10]
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import argon2 from 'argon2';
import bcrypt from 'bcrypt';
import { Pool } from 'undici';
import { runImportCli } from '../../src/cli/import-legacy-passwords.js';
import { startPrivateRedis } from '../../test/helpers/redis.js';
import { startTarget } from '../lib/proc.js';

const seconds = Number(process.argv[2] ?? 10);
const RATE = 50;
const auth = `Basic ${Buffer.from('bench:bench-secret').toString('base64')}`;
const hashes = {
  bcrypt: await bcrypt.hash('right-password', 10),
  argon2id: await argon2.hash('right-password', { type: argon2.argon2id }),
  phpass: '$P$BIQRaTwmfeRo7ud9Fh4E2PdI0S3r.L0', // 2^13 rounds; content random: only "wrong" answers
};

const redis = await startPrivateRedis();
const keys = randomBytes(32).toString('base64url');
const env = { DEV_MODE: 'true', REDIS_URL: redis.url, REDIS_KEY_PREFIX: 'bench:', SESSION_ENCRYPTION_KEYS: keys };
const emulator = await startTarget('emulator', 'emulator.ts', {
  options: { clientId: 'c', clientSecret: 's', shopId: 1, shopSecret: 'x' },
});
const service = await startTarget('service', 'service.ts', {
  env: {
    ...env,
    SCAYLE_AUTH_BASE_URL: emulator.url,
    SCAYLE_CLIENT_ID: 'c',
    SCAYLE_CLIENT_SECRET: 's',
    SCAYLE_SHOP_ID: '1',
    SCAYLE_SHOP_SECRET: 'x',
    LOG_LEVEL: 'warn',
    PASSWORD_VALIDATION_USERNAME: 'bench',
    PASSWORD_VALIDATION_PASSWORD: 'bench-secret',
    PASSWORD_VALIDATION_CALLER_PER_MINUTE: '1000000',
    PASSWORD_VALIDATION_EMAIL_PER_MINUTE: '1000000',
    RATE_LIMIT_IP_PER_MINUTE: '1000000',
    MAX_EVENT_LOOP_UTILIZATION: '0',
  },
});

try {
  const file = join(mkdtempSync(join(tmpdir(), 'validation-load-')), 'legacy.csv');
  const rows = Object.entries(hashes).flatMap(([format, hash]) =>
    Array.from({ length: format === 'bcrypt' ? 200 : 100 }, (_, i) => `${format}${i}@example.com,"${hash}"`),
  );
  writeFileSync(file, `email,hash\n${rows.join('\n')}\n`);
  await runImportCli([file], env, { out: () => undefined, err: (l) => process.stderr.write(`${l}\n`) });

  // Separate pools: validations must not queue behind session lookups (or each other) on the client side.
  const pool = new Pool(service.url, { connections: 8 });
  const checkPool = new Pool(service.url, { connections: RATE * seconds });
  const call = async (method: 'GET' | 'POST', path: string, headers: Record<string, string>, body?: unknown) => {
    const started = performance.now();
    const res = await (method === 'POST' ? checkPool : pool).request({
      method,
      path,
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.body.text();
    return { status: res.statusCode, ms: performance.now() - started, headers: res.headers, text };
  };
  const json = { 'content-type': 'application/json' };
  const reg = await call('POST', '/auth/register', json, {
    gender: 'f',
    first_name: 'B',
    last_name: 'L',
    email: 'load@example.com',
    password: 'load-password-1',
  });
  const cookie = String(reg.headers['set-cookie']).split(';')[0]!;

  /** Closed-loop session lookups for `seconds`; resolves to their latencies. */
  const sessions = async (): Promise<number[]> => {
    const until = performance.now() + seconds * 1000;
    const latencies: number[] = [];
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (performance.now() < until) {
          const r = await call('GET', '/auth/session', { cookie });
          if (r.status !== 200) throw new Error(`session lookup answered ${r.status}`);
          latencies.push(r.ms);
        }
      }),
    );
    return latencies;
  };

  /** Open-loop validations at RATE per second for `seconds`. */
  const validations = async (): Promise<Record<string, number[]>> => {
    const byOutcome: Record<string, number[]> = {};
    const pending: Promise<void>[] = [];
    const formats = Object.keys(hashes);
    for (let i = 0; i < RATE * seconds; i += 1) {
      const format = formats[i % formats.length]!;
      const kind = format === 'phpass' ? ['wrong', 'unknown'][i % 2]! : ['right', 'wrong', 'unknown'][Math.floor(i / 3) % 3]!;
      const email = kind === 'unknown' ? `nobody${i}@example.com` : `${format}${i % 100}@example.com`;
      const password = kind === 'right' ? 'right-password' : 'wrong-password';
      pending.push(
        call('POST', '/checkout/password/credentials', { ...json, authorization: auth }, { email, password }).then((r) => {
          if (r.status !== 200 && r.status !== 503) throw new Error(`validation answered ${r.status}`);
          const name =
            r.status === 503 ? 'refused (503, slots and queue full)' : kind === 'unknown' ? 'unknown e-mail' : `${format} ${kind}`;
          (byOutcome[name] ??= []).push(r.ms);
        }),
      );
      await new Promise((done) => setTimeout(done, 1000 / RATE));
    }
    await Promise.all(pending);
    return byOutcome;
  };

  const pct = (values: number[], p: number): string => {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!.toFixed(1);
  };
  const line = (name: string, values: number[]) =>
    process.stdout.write(`| ${name} | ${values.length} | ${pct(values, 50)} | ${pct(values, 99)} |\n`);

  /** One check at a time (no queueing): the latency of a wrong password against an unknown e-mail. */
  const parity = async (): Promise<Record<string, number[]>> => {
    const out: Record<string, number[]> = { 'bcrypt wrong (sequential)': [], 'unknown e-mail (sequential)': [] };
    for (let i = 0; i < 40; i += 1) {
      const unknown = i % 2 === 1;
      const email = unknown ? `seq${i}@example.com` : `bcrypt${i % 100}@example.com`;
      const r = await call(
        'POST',
        '/checkout/password/credentials',
        { ...json, authorization: auth },
        { email, password: 'wrong-password' },
      );
      out[unknown ? 'unknown e-mail (sequential)' : 'bcrypt wrong (sequential)']!.push(r.ms);
    }
    return out;
  };

  const sequential = await parity();
  const alone = await sessions();
  const [loaded, checks] = await Promise.all([sessions(), validations()]);
  process.stdout.write(
    `\n${seconds} s per phase, ${RATE} validations/s in the second\n\n| what | n | p50 ms | p99 ms |\n| --- | --- | --- | --- |\n`,
  );
  line('GET /auth/session alone', alone);
  line(`GET /auth/session with ${RATE} validations/s`, loaded);
  for (const [name, values] of Object.entries(checks).sort()) line(`validation: ${name}`, values);
  for (const [name, values] of Object.entries(sequential)) line(`validation: ${name}`, values);
  await pool.close();
  await checkPool.close();
} finally {
  await service.stop();
  await emulator.stop();
  await redis.stop();
}
