// The check behind POST /checkout/password/credentials: look the e-mail up, open its sealed hash, verify
// the password with the hash's format, mark the record migrated on success. An unknown e-mail (or an
// unreadable record) is verified against a dummy of the kind most records have (written by the import),
// so both answer false after about the same work. The password lives only in this call's arguments.
import type { SessionCrypto } from '../sessions/session-crypto.js';
import type { CheckLimiter } from './check-limiter.js';
import { credentialId, type CredentialStore } from './credential-store.js';
import { UnsupportedHashError, type HashFormats } from './hash-formats.js';

export type ValidationOutcome = 'valid' | 'invalid' | 'unknown';

export interface PasswordValidator {
  check(email: string, password: string): Promise<boolean>;
}

export interface PasswordValidatorOptions {
  store: CredentialStore;
  crypto: SessionCrypto;
  formats: HashFormats;
  /** Bounds concurrent checks (real and dummy alike); throws BusyError past its queue. Default: none. */
  limiter?: CheckLimiter;
  now?: () => number;
  /** How long the store's dummy hash is cached; default 60 s (an import's new dummy is used after that). */
  dummyCacheMs?: number;
  onOutcome?: (outcome: ValidationOutcome, format: string) => void;
  onUnreadable?: () => void;
  onMarkFailed?: (error: unknown) => void;
}

/** Used until an import has written its dummy: bcrypt cost 10, the most common cost in the field. */
export const FALLBACK_DUMMY = '$2b$10$' + 'abcdefghijklmnopqrstuv'.repeat(3).slice(0, 53);

export function createPasswordValidator(options: PasswordValidatorOptions): PasswordValidator {
  const { store, crypto, formats, now = Date.now, dummyCacheMs = 60_000 } = options;
  const limited = <T>(task: () => Promise<T>): Promise<T> => (options.limiter ? options.limiter.run(task) : task());
  let dummy: { hash: string; until: number } | undefined;

  const currentDummy = async (): Promise<string> => {
    if (dummy && dummy.until > now()) return dummy.hash;
    const stored = await store.getDummy();
    let hash = FALLBACK_DUMMY;
    if (stored !== null) {
      try {
        formats.recognise(stored);
        hash = stored;
      } catch {
        // A dummy written by another version that this one cannot read: keep the fallback.
      }
    }
    dummy = { hash, until: now() + dummyCacheMs };
    return hash;
  };

  const openHash = (id: string, sealed: Buffer): string | undefined => {
    try {
      return crypto.open('credential', sealed, id);
    } catch {
      options.onUnreadable?.();
      return undefined;
    }
  };

  return {
    async check(email, password) {
      const id = credentialId(email);
      const [stored, dummyHash] = await Promise.all([store.get(id), currentDummy()]);
      const hash = stored ? openHash(id, stored.sealed) : undefined;
      let recognised: ReturnType<HashFormats['recognise']> | undefined;
      try {
        recognised = hash === undefined ? undefined : formats.recognise(hash);
      } catch (error) {
        if (!(error instanceof UnsupportedHashError)) throw error;
      }
      if (!recognised || hash === undefined) {
        const fake = formats.recognise(dummyHash);
        await limited(() => fake.format.verify(fake.format.dummyLike(dummyHash), password));
        options.onOutcome?.('unknown', fake.format.name);
        return false;
      }
      const { format } = recognised;
      const valid = await limited(() => format.verify(hash, password));
      options.onOutcome?.(valid ? 'valid' : 'invalid', recognised.format.name);
      if (valid && stored?.migratedAt === undefined) {
        // Bookkeeping only: the password was right whether or not the mark lands.
        await store.markMigrated(id, now()).catch((error: unknown) => options.onMarkFailed?.(error));
      }
      return valid;
    },
  };
}
