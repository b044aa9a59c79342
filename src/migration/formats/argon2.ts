// argon2id and argon2i PHC strings through the `argon2` binding (hashing runs on libuv's threadpool).
import { loadArgon2 } from './native-bindings.js';
import { randomBase64, UnsupportedHashError, type HashFormat } from './format.js';

// Parameters in any order: the reference encoder writes m,t,p; the `argon2` package writes m,p,t.
const PHC = /^\$(argon2id|argon2i)\$(?:v=\d+\$)?((?:[mtp]=\d{1,10},){2}[mtp]=\d{1,10})\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/;
/** Bounds on memory (KiB) and passes: larger rows would let one check take seconds or a gigabyte. */
const MAX_MEMORY_KIB = 256 * 1024;
const MAX_PASSES = 10;
const MAX_LANES = 16;

export const argon2Format: HashFormat = {
  name: 'argon2',
  profile(hash) {
    const match = PHC.exec(hash);
    if (!match) return undefined;
    const params = Object.fromEntries(match[2]!.split(',').map((pair) => pair.split('=') as [string, string]));
    const { m, t, p } = params;
    if (m === undefined || t === undefined || p === undefined) return undefined;
    if (Number(m) > MAX_MEMORY_KIB || Number(t) > MAX_PASSES || Number(p) > MAX_LANES) {
      throw new UnsupportedHashError('argon2 parameters above the accepted bounds');
    }
    return `${match[1]}:m=${m},t=${t},p=${p}`;
  },
  verify: async (hash, password) => (await loadArgon2()).verify(hash, password),
  dummyLike(hash) {
    const match = PHC.exec(hash)!;
    const salt = Buffer.from(match[3]!, 'base64').length;
    const digest = Buffer.from(match[4]!, 'base64').length;
    const head = hash.slice(0, hash.length - match[3]!.length - match[4]!.length - 2);
    return `${head}$${randomBase64(salt)}$${randomBase64(digest)}`;
  },
};
