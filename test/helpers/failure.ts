// Awaiting an expected rejection: the error, asserted to be one of ours, for the test to inspect.
import { expect } from 'vitest';
import { AppError } from '../../src/errors.js';

export async function failure(promise: Promise<unknown>): Promise<AppError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  return err as AppError;
}
