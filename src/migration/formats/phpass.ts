// WordPress/WooCommerce and phpBB phpass ($P$, $H$). No well-kept npm package exists (the ones on the
// registry are unmaintained ports), so phpass-crypt.ts implements it, checked against the published
// vectors of Openwall's test.php and passlib's suite; it runs in a worker pool, off the event loop.
import { timingSafeEqual } from 'node:crypto';
import { createWorkerPool, type WorkerPool } from '../worker-pool.js';
import { randomChars, UnsupportedHashError, type HashFormat } from './format.js';
import { ITOA64 } from './phpass-crypt.js';

const PHPASS = /^\$[PH]\$[./0-9A-Za-z]{31}$/;
/** WordPress uses 2^13 rounds, phpBB 2^11; 2^18 is about half a second of a worker. */
const MAX_LOG2 = 18;

export interface PhpassFormat extends HashFormat {
  close(): Promise<void>;
}

export function createPhpassFormat(workers = 2): PhpassFormat {
  let pool: WorkerPool<{ password: string; setting: string }, string> | undefined;
  const crypt = (password: string, setting: string): Promise<string> => {
    pool ??= createWorkerPool(new URL('./phpass-worker.js', import.meta.url), workers, (reply) => (reply as { hash: string }).hash);
    return pool.run({ password, setting });
  };
  return {
    name: 'phpass',
    profile(hash) {
      if (!PHPASS.test(hash)) return undefined;
      const log2 = ITOA64.indexOf(hash[3]!);
      if (log2 < 7 || log2 > MAX_LOG2) throw new UnsupportedHashError(`phpass rounds 2^${log2} outside 2^7-2^${MAX_LOG2}`);
      return `phpass:${log2}`;
    },
    async verify(hash, password) {
      const computed = Buffer.from(await crypt(password, hash.slice(0, 12)), 'latin1');
      const expected = Buffer.from(hash, 'latin1');
      return computed.length === expected.length && timingSafeEqual(computed, expected);
    },
    dummyLike: (hash) => `${hash.slice(0, 4)}${randomChars(ITOA64, 30)}`,
    close: async () => pool?.close(),
  };
}
