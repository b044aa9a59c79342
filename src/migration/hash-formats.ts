// The legacy hash formats the migration accepts, and recognising which one an encoded hash is.
import { argon2Format } from './formats/argon2.js';
import { bcryptFormat } from './formats/bcrypt.js';
import { UnsupportedHashError, type HashFormat } from './formats/format.js';
import { magentoFormat } from './formats/magento.js';
import { pbkdf2Format } from './formats/pbkdf2.js';
import { createPhpassFormat } from './formats/phpass.js';

export { UnsupportedHashError, type HashFormat };

export interface HashFormats {
  /** The format and cost profile of `hash`; throws UnsupportedHashError when no format accepts it. */
  recognise(hash: string): { format: HashFormat; profile: string };
  /** Ends the phpass worker pool. Idempotent. */
  close(): Promise<void>;
}

export function createHashFormats(options: { phpassWorkers?: number } = {}): HashFormats {
  const phpass = createPhpassFormat(options.phpassWorkers);
  const formats: HashFormat[] = [bcryptFormat, argon2Format, pbkdf2Format, phpass, magentoFormat];
  return {
    recognise(hash) {
      for (const format of formats) {
        const profile = format.profile(hash);
        if (profile !== undefined) return { format, profile };
      }
      throw new UnsupportedHashError('unknown hash format');
    },
    close: () => phpass.close(),
  };
}
