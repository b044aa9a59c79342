// The portable phpass hash (Openwall phpass 0.3, as WordPress/WooCommerce and phpBB use it): `$P$` or
// `$H$`, one itoa64 character of log2(iterations), 8 characters of salt, 22 of MD5 digest. Synchronous
// and CPU-bound (2^13 MD5 rounds for WordPress): run it in the worker (phpass-worker.ts), never inline.
import { createHash } from 'node:crypto';

export const ITOA64 = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** phpass's encode64: little-endian groups of 6 bits (not RFC 4648 base64). */
function encode64(input: Buffer, count: number): string {
  let output = '';
  let i = 0;
  do {
    let value = input[i++]!;
    output += ITOA64[value & 0x3f];
    if (i < count) value |= input[i]! << 8;
    output += ITOA64[(value >> 6) & 0x3f];
    if (i++ >= count) break;
    if (i < count) value |= input[i]! << 16;
    output += ITOA64[(value >> 12) & 0x3f];
    if (i++ >= count) break;
    output += ITOA64[(value >> 18) & 0x3f];
  } while (i < count);
  return output;
}

/** crypt_private(): the full 34-character hash of `password` under `setting` (its first 12 characters). */
export function phpassCrypt(password: string, setting: string): string {
  const log2 = ITOA64.indexOf(setting[3] ?? '');
  if ((setting.slice(0, 3) !== '$P$' && setting.slice(0, 3) !== '$H$') || log2 < 7 || log2 > 30) return '*0';
  const salt = setting.slice(4, 12);
  if (salt.length !== 8) return '*0';
  // PHP strings are bytes: a password is hashed as its UTF-8 bytes.
  const pass = Buffer.from(password, 'utf8');
  let hash = createHash('md5').update(salt, 'latin1').update(pass).digest();
  for (let count = 2 ** log2; count > 0; count -= 1) hash = createHash('md5').update(hash).update(pass).digest();
  return setting.slice(0, 12) + encode64(hash, 16);
}
