// Magento 2 customer hashes, `<hash>:<salt>:<versions>`, as Magento\Framework\Encryption\Encryptor writes
// and checks them. Versions (oldest first; an upgraded hash lists every algorithm it went through):
//   0 md5(salt . data)   1 sha256(salt . data)   (hex; "data" is the password or the previous step's hex)
//   2 Argon2id13 through libsodium's crypto_pwhash with the INTERACTIVE limits (opslimit 2, 64 MiB)
//   3_<seedBytes>_<opsLimit>_<memLimitBytes> the same with the parameters recorded in the version
// The Argon2 salt is the salt string cut or right-padded (by repeating it) to 16 bytes; the output is
// <seedBytes> bytes, hex. libsodium's Argon2id is v1.3 with one lane, so the `argon2` binding (raw mode,
// on libuv's threadpool) computes the same bytes. The digest steps are microseconds: run inline.
import { createHash, timingSafeEqual } from 'node:crypto';
import { randomChars, UnsupportedHashError, type HashFormat } from './format.js';
import { loadArgon2 } from './native-bindings.js';

const MAGENTO =
  /^([0-9a-f]{32}|[0-9a-f]{64}):([^:]{1,128}):((?:[0-3](?:_\d{1,3}_\d{1,3}_\d{1,12})?)(?::[0-3](?:_\d{1,3}_\d{1,3}_\d{1,12})?)*)$/;
const SALT_BYTES = 16; // SODIUM_CRYPTO_PWHASH_SALTBYTES
const INTERACTIVE = { seedBytes: 32, opsLimit: 2, memLimit: 67_108_864 };
const MAX_MEM_LIMIT = 256 * 1024 * 1024;
const SALT_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

type Step = { kind: 'md5' | 'sha256' } | { kind: 'argon2id'; seedBytes: number; opsLimit: number; memLimit: number };

function parseSteps(versions: string): Step[] {
  return versions.split(':').map((version): Step => {
    const [v, seed, ops, mem] = version.split('_').map(Number) as [number, number?, number?, number?];
    if (v === 0) return { kind: 'md5' };
    if (v === 1) return { kind: 'sha256' };
    if (v === 2) return { kind: 'argon2id', ...INTERACTIVE };
    if (v === 3 && seed !== undefined) return { kind: 'argon2id', seedBytes: seed, opsLimit: ops!, memLimit: mem! };
    // A bare "3" is not written by Encryptor (it always records the parameters).
    throw new UnsupportedHashError('magento hash version 3 without its argon2 parameters');
  });
}

/** Magento's getArgonHash salt: str_pad($salt, 16, $salt) or substr($salt, 0, 16), on bytes. */
function argonSalt(salt: string): Buffer {
  const bytes = Buffer.from(salt, 'utf8');
  if (bytes.length >= SALT_BYTES) return bytes.subarray(0, SALT_BYTES);
  return Buffer.from(
    bytes
      .toString('latin1')
      .repeat(Math.ceil(SALT_BYTES / bytes.length))
      .slice(0, SALT_BYTES),
    'latin1',
  );
}

/** Encryptor's chain: each step hashes the previous step's hex (the first one the password). */
export async function magentoDigest(password: string, salt: string, versions: string): Promise<string> {
  let data = password;
  for (const step of parseSteps(versions)) {
    if (step.kind === 'argon2id') {
      const argon2 = await loadArgon2();
      const raw = await argon2.hash(data, {
        raw: true,
        type: argon2.argon2id,
        version: 0x13,
        salt: argonSalt(salt),
        hashLength: step.seedBytes,
        timeCost: step.opsLimit,
        memoryCost: step.memLimit / 1024,
        parallelism: 1,
      });
      data = raw.toString('hex');
    } else
      data = createHash(step.kind)
        .update(salt + data, 'utf8')
        .digest('hex');
  }
  return data;
}

export const magentoFormat: HashFormat = {
  name: 'magento2',
  profile(hash) {
    const match = MAGENTO.exec(hash);
    if (!match) return undefined;
    for (const step of parseSteps(match[3]!)) {
      if (step.kind !== 'argon2id') continue;
      const { seedBytes, opsLimit, memLimit } = step;
      if (seedBytes < 16 || seedBytes > 64 || opsLimit < 1 || opsLimit > 10 || memLimit < 8192 || memLimit > MAX_MEM_LIMIT) {
        throw new UnsupportedHashError('magento argon2 parameters outside the accepted bounds');
      }
    }
    return `magento2:${match[3]!.replaceAll(':', '>')}`;
  },
  async verify(hash, password) {
    const [, digest, salt, versions] = MAGENTO.exec(hash)!;
    const computed = Buffer.from(await magentoDigest(password, salt!, versions!), 'latin1');
    const expected = Buffer.from(digest!, 'latin1');
    return computed.length === expected.length && timingSafeEqual(computed, expected);
  },
  dummyLike(hash) {
    const [, digest, salt, versions] = MAGENTO.exec(hash)!;
    return `${randomChars('0123456789abcdef', digest!.length)}:${randomChars(SALT_ALPHABET, Math.max(salt!.length, 1))}:${versions}`;
  },
};
