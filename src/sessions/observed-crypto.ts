// Counts session records sealed and opened per key id, so ops can watch an old key's use fall to zero
// during a rotation (issue 18). Reads the key id from the sealed header only: a few bytes, no extra
// crypto, no Redis call, so it is safe on the request path. Only session records are counted (kind
// 'record'), the same records `npm run sessions -- key-usage` counts.
import { sealedKeyId, type SessionCrypto } from './session-crypto.js';

export interface KeyUseEvents {
  sealed(keyId: string): void;
  opened(keyId: string): void;
}

export function observeCrypto(crypto: SessionCrypto, events: KeyUseEvents): SessionCrypto {
  return {
    seal(kind, plaintext, sid) {
      const sealed = crypto.seal(kind, plaintext, sid);
      if (kind === 'record') events.sealed(sealedKeyId(sealed) ?? 'unknown');
      return sealed;
    },
    open(kind, sealed, sid) {
      // Counted after a successful open only: the label set stays the ring's own key ids.
      const plaintext = crypto.open(kind, sealed, sid);
      if (kind === 'record') events.opened(sealedKeyId(sealed) ?? 'unknown');
      return plaintext;
    },
  };
}
