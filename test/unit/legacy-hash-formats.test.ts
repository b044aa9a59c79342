// Each legacy hash format verifies hashes made by its original algorithm: bcrypt and argon2 from the
// libraries, PBKDF2 from passlib's published vectors and node's pbkdf2 in passlib's encoding, phpass from
// Openwall's test.php and passlib's vectors, Magento 2 computed the way its Encryptor does.
import { createHash, pbkdf2Sync, randomBytes } from 'node:crypto';
import argon2 from 'argon2';
import bcrypt from 'bcrypt';
import { afterAll, describe, expect, it } from 'vitest';
import { ab64Encode } from '../../src/migration/formats/pbkdf2.js';
import { phpassCrypt } from '../../src/migration/formats/phpass-crypt.js';
import { createHashFormats, UnsupportedHashError } from '../../src/migration/hash-formats.js';

const formats = createHashFormats({ phpassWorkers: 1 });
afterAll(() => formats.close());

/** Right and wrong password against `hash`, through format recognition as the service does it. */
async function expectVerifies(hash: string, password: string, format: string): Promise<void> {
  const { format: recognised } = formats.recognise(hash);
  expect(recognised.name).toBe(format);
  expect(await recognised.verify(hash, password)).toBe(true);
  expect(await recognised.verify(hash, `${password}x`)).toBe(false);
  // A dummy of the same kind is recognised alike (same cost) and matches nothing.
  const dummy = recognised.dummyLike(hash);
  expect(formats.recognise(dummy).profile).toBe(formats.recognise(hash).profile);
  expect(await recognised.verify(dummy, password)).toBe(false);
}

describe('bcrypt', () => {
  it('verifies $2b$, $2a$ and $2y$ hashes made by bcrypt', async () => {
    const b = await bcrypt.hash('correct horse', 4);
    await expectVerifies(b, 'correct horse', 'bcrypt');
    await expectVerifies(await bcrypt.hash('ünïcødé', await bcrypt.genSalt(5, 'a')), 'ünïcødé', 'bcrypt');
    // PHP's password_hash writes $2y$: the same algorithm as $2b$.
    await expectVerifies(b.replace('$2b$', '$2y$'), 'correct horse', 'bcrypt');
    expect(formats.recognise(b).profile).toBe('bcrypt:4');
  });
  it('refuses a cost that would make one check a denial of service', () => {
    expect(() => formats.recognise(`$2b$20$${'a'.repeat(53)}`)).toThrow(UnsupportedHashError);
  });
});

describe('argon2', () => {
  it('verifies argon2id and argon2i PHC strings made by argon2', async () => {
    const opts = { memoryCost: 4096, timeCost: 2, parallelism: 1 };
    await expectVerifies(await argon2.hash('pässword', { ...opts, type: argon2.argon2id }), 'pässword', 'argon2');
    await expectVerifies(await argon2.hash('pässword', { ...opts, type: argon2.argon2i }), 'pässword', 'argon2');
    expect(formats.recognise(await argon2.hash('x', { ...opts, type: argon2.argon2i })).profile).toBe('argon2i:m=4096,t=2,p=1');
  });
});

describe('pbkdf2-sha256', () => {
  it("verifies passlib's published vectors", async () => {
    await expectVerifies(
      '$pbkdf2-sha256$1212$4vjV83LKPjQzk31VI4E0Vw$hsYF68OiOUPdDZ1Fg.fJPeq1h/gXXY7acBp9/6c.tmQ',
      'password',
      'pbkdf2-sha256',
    );
    await expectVerifies(
      '$pbkdf2-sha256$1212$3SABFJGDtyhrQMVt1uABPw$WyaUoqCLgvz97s523nF4iuOqZNbp5Nt8do/cuaa7AiI',
      '\u0399\u03c9\u03b1\u03bd\u03bd\u03b7\u03c2',
      'pbkdf2-sha256',
    );
  });
  it('verifies a hash computed by PBKDF2 and encoded the way passlib does', async () => {
    const salt = randomBytes(16);
    const digest = pbkdf2Sync('s3cret+/', salt, 29000, 32, 'sha256');
    await expectVerifies(`$pbkdf2-sha256$29000$${ab64Encode(salt)}$${ab64Encode(digest)}`, 's3cret+/', 'pbkdf2-sha256');
  });
});

describe('phpass', () => {
  // Openwall phpass 0.3 test.php, and passlib's phpass_test known_correct_hashes ($P$ and phpBB's $H$).
  const vectors: [string, string][] = [
    ['test12345', '$P$9IQRaTwmfeRo7ud9Fh4E2PdI0S3r.L0'],
    ['test1', '$H$9aaaaaSXBjgypwqm.JsMssPLiS8YQ00'],
    ['123456', '$H$9PE8jEklgZhgLmZl5.HYJAzfGCQtzi1'],
    ['123456', '$H$9pdx7dbOW3Nnt32sikrjAxYFjX8XoK1'],
    ['thisisalongertestPW', '$P$912345678LIjjb6PhecupozNBmDndU0'],
    ['JohnRipper', '$P$612345678si5M0DDyPpmRCmcltU/YW/'],
  ];
  it('computes the published hashes', () => {
    for (const [password, hash] of vectors) expect(phpassCrypt(password, hash.slice(0, 12))).toBe(hash);
  });
  it('verifies them through the worker pool', async () => {
    for (const [password, hash] of vectors) await expectVerifies(hash, password, 'phpass');
  });
  it('refuses round counts outside 2^7..2^18', () => {
    expect(() => formats.recognise(`$P$4${'a'.repeat(30)}`)).toThrow(UnsupportedHashError);
    expect(() => formats.recognise(`$P$U${'a'.repeat(30)}`)).toThrow(UnsupportedHashError);
  });
});

describe('Magento 2', () => {
  const salt = 'Vw1NnX3aJqO7ucNSc8WQy2GEmnqxWWbK';
  it('verifies SHA-256 (version 1) hashes: sha256(salt . password)', async () => {
    const hash = `${createHash('sha256')
      .update(salt + 'Magento#2024')
      .digest('hex')}:${salt}:1`;
    await expectVerifies(hash, 'Magento#2024', 'magento2');
  });
  it('verifies Argon2id hashes (versions 2 and 3) the way sodium_crypto_pwhash computes them', async () => {
    // libsodium's crypto_pwhash ARGON2ID13: v1.3, one lane, memlimit in bytes, salt = first 16 bytes.
    const sodiumLike = async (data: string, ops: number, mem: number) =>
      (
        await argon2.hash(data, {
          raw: true,
          type: argon2.argon2id,
          salt: Buffer.from(salt.slice(0, 16)),
          hashLength: 32,
          timeCost: ops,
          memoryCost: mem / 1024,
          parallelism: 1,
        })
      ).toString('hex');
    await expectVerifies(`${await sodiumLike('pw-v3', 2, 8 * 1024 * 1024)}:${salt}:3_32_2_8388608`, 'pw-v3', 'magento2');
    await expectVerifies(`${await sodiumLike('pw-v2', 2, 67_108_864)}:${salt}:2`, 'pw-v2', 'magento2');
    // An upgraded hash: SHA-256 first, then Argon2id over its hex (Encryptor's "1:3_..." chain).
    const sha = createHash('sha256')
      .update(salt + 'chained')
      .digest('hex');
    await expectVerifies(`${await sodiumLike(sha, 2, 8 * 1024 * 1024)}:${salt}:1:3_32_2_8388608`, 'chained', 'magento2');
  });
});

it('names an unknown format', () => {
  expect(() => formats.recognise('md5:whatever')).toThrow('unknown hash format');
  expect(() => formats.recognise('')).toThrow(UnsupportedHashError);
});
