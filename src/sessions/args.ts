// Argument checks shared by both adapters, so a caller bug fails the same way in memory and in Redis
// (and never reaches Redis, where it would surface as a StoreUnavailableError).

/** A TTL in whole milliseconds; Redis PX/PEXPIRE reject fractions and treat <= 0 as "delete now". */
export function ttlArg(ms: number, what = 'ttlMs'): number {
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms <= 0) {
    throw new RangeError(`${what} must be a positive finite number`);
  }
  return Math.ceil(ms);
}

/** An absolute time in whole milliseconds (index scores, prune cut-offs). */
export function timeArg(ms: number, what: string): number {
  if (typeof ms !== 'number' || !Number.isFinite(ms)) {
    throw new RangeError(`${what} must be a finite number`);
  }
  return Math.ceil(ms);
}

export function versionArg(version: number): number {
  if (!Number.isSafeInteger(version)) throw new RangeError('expectedVersion must be an integer');
  return version;
}

/** The store holds strings only: a non-string would be silently coerced by Redis, so refuse it in both. */
export function textArg(value: string, what: string): string {
  if (typeof value !== 'string') throw new TypeError(`${what} must be a string`);
  return value;
}

export function nameArg(value: string, what: string): string {
  if (typeof value !== 'string' || value.length === 0) throw new TypeError(`${what} must be a non-empty string`);
  return value;
}
