// The CPU side of password validation: the hash formats (with phpass's worker pool) and the limiter that
// bounds how many checks run and wait. PASSWORD_VALIDATION_CONCURRENCY and _QUEUE_MAX are limits of the
// process, so with SHOPS_FILE every shop with the validation route shares one (shops/shops-app.ts); each
// shop keeps its own credential store and metrics (plugins/migration.ts).
import { createCheckLimiter, type CheckLimiter } from './check-limiter.js';
import { createHashFormats, type HashFormats } from './hash-formats.js';

export interface PasswordWork {
  formats: HashFormats;
  limiter: CheckLimiter;
  /** Ends the phpass worker pool. Idempotent. */
  close(): Promise<void>;
}

export function createPasswordWork(settings: { concurrency: number; queueMax: number }): PasswordWork {
  const formats = createHashFormats();
  const limiter = createCheckLimiter({ concurrency: settings.concurrency, queueMax: settings.queueMax });
  return { formats, limiter, close: () => formats.close() };
}
