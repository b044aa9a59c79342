// A queued profile update as it sits in Redis (or the in-process queue): the customer id in clear (the
// worker needs it, and it is no personal data) and the profile values sealed with the session key ring.
import type { SessionCrypto } from '../sessions/session-crypto.js';
import type { ProfileValues } from './profile-fields.js';

export interface EnrichmentJobData {
  customerId: string;
  /** base64 of the sealed JSON profile values (kind 'enrichment', bound to customerId). */
  sealed: string;
  /** The registration's request id, so the worker's log lines and Admin API call can be tied to it. */
  requestId: string;
}

export function sealJob(crypto: SessionCrypto, customerId: string, values: ProfileValues, requestId: string): EnrichmentJobData {
  return { customerId, requestId, sealed: crypto.seal('enrichment', JSON.stringify(values), customerId).toString('base64') };
}

/** Throws when no key of the ring opens it (a key removed while the job waited): the job dead-letters. */
export function openJob(crypto: SessionCrypto, data: EnrichmentJobData): ProfileValues {
  return JSON.parse(crypto.open('enrichment', Buffer.from(data.sealed, 'base64'), data.customerId)) as ProfileValues;
}
