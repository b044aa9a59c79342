// PBKDF2-SHA256 in passlib's encoding, `$pbkdf2-sha256$<iterations>$<salt>$<checksum>`, both parts in
// passlib's "adapted base64" (standard alphabet with `.` for `+`, no padding). node's async pbkdf2
// runs on libuv's threadpool.
import { pbkdf2, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { randomBase64, UnsupportedHashError, type HashFormat } from './format.js';

const PBKDF2 = /^\$pbkdf2-sha256\$(\d{1,8})\$([./A-Za-z0-9]*)\$([./A-Za-z0-9]{43})$/;
const MAX_ITERATIONS = 5_000_000;
const pbkdf2Async = promisify(pbkdf2);

export const ab64Decode = (text: string): Buffer => Buffer.from(text.replaceAll('.', '+'), 'base64');
export const ab64Encode = (bytes: Buffer): string => bytes.toString('base64').replace(/=+$/, '').replaceAll('+', '.');

export const pbkdf2Format: HashFormat = {
  name: 'pbkdf2-sha256',
  profile(hash) {
    const match = PBKDF2.exec(hash);
    if (!match) return undefined;
    const iterations = Number(match[1]);
    if (iterations < 1 || iterations > MAX_ITERATIONS) throw new UnsupportedHashError(`pbkdf2 iterations outside 1-${MAX_ITERATIONS}`);
    return `pbkdf2-sha256:${iterations}`;
  },
  async verify(hash, password) {
    const [, iterations, salt, checksum] = PBKDF2.exec(hash)!;
    const expected = ab64Decode(checksum!);
    const actual = await pbkdf2Async(Buffer.from(password, 'utf8'), ab64Decode(salt!), Number(iterations), expected.length, 'sha256');
    return timingSafeEqual(actual, expected);
  },
  dummyLike(hash) {
    const [, iterations, salt] = PBKDF2.exec(hash)!;
    const dummySalt = randomBase64(ab64Decode(salt!).length).replaceAll('+', '.');
    return `$pbkdf2-sha256$${iterations}$${dummySalt}$${randomBase64(32).replaceAll('+', '.')}`;
  },
};
