// The check behind the validation route: an unknown e-mail or an unreadable record costs the same work
// as a wrong password (a dummy of the kind the import recorded, else bcrypt 10), the migrated mark lands
// only after a right password, and a failed mark does not turn a right password into a failure.
import { describe, expect, it } from 'vitest';
import { createMemoryCredentialStore } from '../../src/migration/credential-store-memory.js';
import { credentialId } from '../../src/migration/credential-store.js';
import { createHashFormats, type HashFormats } from '../../src/migration/hash-formats.js';
import { createPasswordValidator } from '../../src/migration/password-validator.js';
import { createSessionCrypto } from '../../src/sessions/session-crypto.js';

const crypto = createSessionCrypto(['k'.repeat(40)]);
// Openwall's test.php vector: phpass, 2^11 rounds.
const PHPASS = '$P$9IQRaTwmfeRo7ud9Fh4E2PdI0S3r.L0';

/** The real formats, recording the profile of every hash verified. */
function recordingFormats(): HashFormats & { verified: string[] } {
  const real = createHashFormats({ phpassWorkers: 1 });
  const verified: string[] = [];
  return {
    verified,
    close: () => real.close(),
    recognise(hash) {
      const found = real.recognise(hash);
      return {
        profile: found.profile,
        format: { ...found.format, verify: (h, p) => (verified.push(real.recognise(h).profile), found.format.verify(h, p)) },
      };
    },
  };
}

async function setup() {
  const store = createMemoryCredentialStore();
  const formats = recordingFormats();
  let now = 1_000;
  const validator = createPasswordValidator({ store, crypto, formats, now: () => now });
  const put = (email: string, hash: string, key = crypto) =>
    store.putMany([{ id: credentialId(email), sealed: key.seal('credential', hash, credentialId(email)), format: 'x' }]);
  return { store, formats, validator, put, tick: (ms: number) => (now += ms) };
}

describe('password validator', () => {
  it('verifies an unknown e-mail against a dummy of the kind the import recorded', async () => {
    const { store, formats, validator, put, tick } = await setup();
    await put('wp@example.com', PHPASS);
    expect(await validator.check('nobody@example.com', 'test12345')).toBe(false);
    expect(formats.verified).toEqual(['bcrypt:10']);
    await store.setDummy('$P$9' + 'x'.repeat(30));
    tick(61_000);
    expect(await validator.check('nobody@example.com', 'test12345')).toBe(false);
    expect(await validator.check('wp@example.com', 'wrong')).toBe(false);
    expect(formats.verified.slice(1)).toEqual(['phpass:11', 'phpass:11']);
    await formats.close();
  });

  it('treats a record sealed under a removed key as unknown, with the same dummy work', async () => {
    const { formats, validator, put } = await setup();
    await put('old@example.com', PHPASS, createSessionCrypto(['z'.repeat(40)]));
    expect(await validator.check('old@example.com', 'test12345')).toBe(false);
    expect(formats.verified).toEqual(['bcrypt:10']);
    await formats.close();
  });

  it('marks a record migrated after the right password only, once', async () => {
    const { store, formats, validator, put, tick } = await setup();
    await put('wp@example.com', PHPASS);
    expect(await validator.check('wp@example.com', 'test1234')).toBe(false);
    expect((await store.get(credentialId('wp@example.com')))?.migratedAt).toBeUndefined();
    expect(await validator.check('wp@example.com', 'test12345')).toBe(true);
    expect((await store.get(credentialId('wp@example.com')))?.migratedAt).toBe(1_000);
    tick(5_000);
    expect(await validator.check('wp@example.com', 'test12345')).toBe(true);
    expect((await store.get(credentialId('wp@example.com')))?.migratedAt).toBe(1_000);
    await formats.close();
  });

  it('answers true when the password is right but the migrated mark fails', async () => {
    const { store, formats, put } = await setup();
    await put('wp@example.com', PHPASS);
    const failures: unknown[] = [];
    const validator = createPasswordValidator({
      store: { ...store, markMigrated: () => Promise.reject(new Error('down')) },
      crypto,
      formats,
      onMarkFailed: (e) => failures.push(e),
    });
    expect(await validator.check('wp@example.com', 'test12345')).toBe(true);
    expect(failures).toHaveLength(1);
    await formats.close();
  });
});
