// SCAYLE refusing a new password (its 422) reaches the caller as 400 VALIDATION_FAILED naming the field,
// like our own validation; the value never appears.
import { AppError, isAppError } from '../errors.js';

/** Rethrows an upstream VALIDATION_FAILED re-labelled with `field`; any other error unchanged. */
export function rethrowPasswordPolicy(error: unknown, field: string): never {
  if (!isAppError(error) || error.code !== 'VALIDATION_FAILED') throw error;
  throw new AppError('VALIDATION_FAILED', {
    detail: 'The authentication service refused the new password.',
    errors: [{ path: field, message: 'does not satisfy the password policy' }],
    cause: error,
  });
}
