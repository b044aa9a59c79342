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

/** Versions start at 1; the Redis adapter stores them as an unsigned 64-bit prefix. */
export function versionArg(version: number): number {
  if (!Number.isSafeInteger(version) || version < 0) throw new RangeError('expectedVersion must be a non-negative integer');
  return version;
}

/**
 * The store holds bytes only: a string or number would be silently coerced by Redis, so refuse it in
 * both adapters. Returns a Buffer over the same memory (no copy).
 */
export function bytesArg(value: Uint8Array, what: string): Buffer {
  if (!(value instanceof Uint8Array)) throw new TypeError(`${what} must be a Buffer or Uint8Array`);
  return Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
}

export function nameArg(value: string, what: string): string {
  if (typeof value !== 'string' || value.length === 0) throw new TypeError(`${what} must be a non-empty string`);
  return value;
}

// --- issue 15 ---
/** A whole count or offset of at least `min` (index pages). */
export function countArg(value: number, what: string, min: number): number {
  if (!Number.isSafeInteger(value) || value < min) throw new RangeError(`${what} must be an integer >= ${min}`);
  return value;
}
