// bcrypt ($2a$, $2b$, $2y$) through the native `bcrypt` binding: compare runs on libuv's threadpool.
import { loadBcrypt } from './native-bindings.js';
import { randomChars, UnsupportedHashError, type HashFormat } from './format.js';

const BCRYPT = /^\$2([aby])\$(\d\d)\$[./A-Za-z0-9]{53}$/;
const ALPHABET = './ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
/** Cost 16 is about 4 s on a server core; beyond it a single check would be a denial of service. */
const MAX_COST = 16;

export const bcryptFormat: HashFormat = {
  name: 'bcrypt',
  profile(hash) {
    const match = BCRYPT.exec(hash);
    if (!match) return undefined;
    const cost = Number(match[2]);
    if (cost < 4 || cost > MAX_COST) throw new UnsupportedHashError(`bcrypt cost ${cost} outside 4-${MAX_COST}`);
    return `bcrypt:${cost}`;
  },
  // $2y$ is PHP's name for the fixed algorithm that OpenBSD calls $2b$; the binding knows only $2a$/$2b$.
  verify: async (hash, password) => (await loadBcrypt()).compare(password, hash.replace(/^\$2y\$/, '$2b$')),
  dummyLike: (hash) => `${hash.slice(0, 7).replace(/^\$2y\$/, '$2b$')}${randomChars(ALPHABET, 53)}`,
};
