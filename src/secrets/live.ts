// issue 18 part 4: consumers of a reloadable secret as objects that read the current value per use and
// rebuild what they derive from it (a key ring, a check) only when it changed since the last use.
import { createFlowSigner, type FlowSigner } from '../sso/flow-signer.js';
import { createSessionCrypto, type SessionCrypto } from '../sessions/session-crypto.js';

/** `derive(value)`, cached until `read()` returns another value (snapshots are replaced, never mutated). */
export function derived<V, T>(read: () => V, derive: (value: V) => T): () => T {
  let seen: { value: V; result: T } | undefined;
  return () => {
    const value = read();
    if (seen === undefined || seen.value !== value) seen = { value, result: derive(value) };
    return seen.result;
  };
}

/** Session crypto on the key ring in use at each seal or open. */
export function liveSessionCrypto(keys: () => readonly string[]): SessionCrypto {
  const crypto = derived(keys, createSessionCrypto);
  return {
    seal: (kind, plaintext, sid) => crypto().seal(kind, plaintext, sid),
    open: (kind, sealed, sid) => crypto().open(kind, sealed, sid),
  };
}

/** The SSO state signer on the key ring in use (its HMAC keys derive from SESSION_ENCRYPTION_KEYS). */
export function liveFlowSigner(keys: () => readonly string[]): FlowSigner {
  const signer = derived(keys, createFlowSigner);
  return { seal: (flow) => signer().seal(flow), open: (value) => signer().open(value) };
}
