// SCAYLE refusing a new password (its 422) reaches the caller as 400 VALIDATION_FAILED naming the field,
// like our own validation; the value never appears.
import { AppError, isAppError } from '../../errors.js';

/** Re-labels an upstream VALIDATION_FAILED with `field`; any other error passes through unchanged. */
export function passwordPolicyError(error: unknown, field: string): unknown {
  if (!isAppError(error) || error.code !== 'VALIDATION_FAILED') return error;
  return new AppError('VALIDATION_FAILED', {
    detail: 'The authentication service refused the new password.',
    errors: [{ path: field, message: 'does not satisfy the password policy' }],
    cause: error,
  });
}
