// Peak memory of `npm run import-legacy-passwords` on a large file: writes an `email,hash` CSV of N lines
// (default 2,000,000; syntactically valid hashes of every format, 1 % bad lines), imports it into a private
// redis-server in a child process and prints the child's peak RSS, time and summary.
//   npx tsx bench/migration/import-rss.ts [lines]
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { promisify } from 'node:util';
import { startPrivateRedis } from '../../test/helpers/redis.js';

const lines = Number(process.argv[2] ?? 2_000_000);
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789./';
const chars = (n: number): string => Array.from(randomBytes(n), (b) => B64[b & 63]).join('');
const hex = (n: number): string => randomBytes(n / 2).toString('hex');

/** One hash-shaped value per format (content random: the import checks shape and cost, not content). */
const shapes = [
  () => `$2y$10$${chars(53)}`,
  () => `$P$B${chars(30)}`,
  // Quoted, as a CSV writer quotes a field with commas (unquoted ones are read too, more slowly).
  () =>
    `"$argon2id$v=19$m=65536,t=3,p=4$${randomBytes(16).toString('base64').slice(0, 22)}` +
    `$${randomBytes(32).toString('base64').slice(0, 43)}"`,
  () => `$pbkdf2-sha256$29000$${chars(22)}$${chars(43)}`,
  () => `${hex(64)}:${chars(32).replace(/[./]/g, 'x')}:3_32_2_67108864`,
];

async function writeCsv(file: string): Promise<void> {
  const out = createWriteStream(file);
  out.write('email,hash\n');
  for (let i = 0; i < lines; i += 1) {
    const row = i % 100 === 99 ? `broken-${i},nohash\n` : `customer${i}@example.com,${shapes[i % shapes.length]!()}\n`;
    if (!out.write(row)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

const dir = mkdtempSync(join(tmpdir(), 'import-rss-'));
const file = join(dir, 'legacy.csv');
const redis = await startPrivateRedis();
try {
  await writeCsv(file);
  process.stdout.write(`file: ${lines} lines, ${(statSync(file).size / 1_048_576).toFixed(0)} MB\n`);
  const env = {
    ...process.env,
    DEV_MODE: 'true',
    REDIS_URL: redis.url,
    REDIS_KEY_PREFIX: 'bench:',
    SESSION_ENCRYPTION_KEYS: randomBytes(32).toString('base64url'),
  };
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'bench/migration/import-child.ts', file], {
    env,
    maxBuffer: 64 * 1024 * 1024,
  });
  const result = JSON.parse(stdout.trim().split('\n').pop()!) as { code: number; seconds: number; maxRssKiB: number; summary: string };
  process.stdout.write(`exit ${result.code}, ${result.seconds.toFixed(1)} s, ${Math.round(lines / result.seconds)} lines/s\n`);
  process.stdout.write(`peak RSS of the import process: ${(result.maxRssKiB / 1024).toFixed(0)} MiB\n`);
  process.stdout.write(`${result.summary}\n`);
} finally {
  await redis.stop();
  rmSync(dir, { recursive: true, force: true });
}
