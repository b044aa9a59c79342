// Registration double-submit guard (seed 001 warns that a double click creates duplicate customers): the
// first registration for an e-mail holds a short lock in the shared store, and a concurrent one on any
// instance gets 409 REGISTRATION_IN_PROGRESS instead of a second upstream call.
import { createHash, randomUUID } from 'node:crypto';
import { AppError } from '../errors.js';
import type { SessionStore } from './store.js';

export interface RegistrationGuard {
  once<T>(email: string, register: () => Promise<T>): Promise<T>;
}

export function createRegistrationGuard(store: SessionStore, lockTtlMs = 30_000): RegistrationGuard {
  return {
    async once(email, register) {
      // The lock lives beside session keys but under a name no session id can take (sids are 43 chars).
      const key = `reg-${createHash('sha256').update(email).digest('base64url').slice(0, 22)}`;
      const owner = randomUUID();
      if (!(await store.acquireLock(key, owner, lockTtlMs))) {
        throw new AppError('REGISTRATION_IN_PROGRESS', { headers: { 'retry-after': '2' } });
      }
      try {
        return await register();
      } finally {
        await store.releaseLock(key, owner).catch(() => undefined);
      }
    },
  };
}
