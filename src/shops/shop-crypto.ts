// issue 18 part 3: a shop's sealed values name the shop in their associated data, so a record copied
// into another shop's namespace (same keys, same cookie name) does not open there. Only with SHOPS_FILE:
// the one shop of a single-shop deployment keeps today's associated data, so its sessions survive.
import type { SessionCrypto } from '../sessions/session-crypto.js';

/** Shop ids are [a-z0-9-] and never contain "/", so `<id>/` cannot be read as another shop's prefix. */
function bindToShop(crypto: SessionCrypto, shopId: string): SessionCrypto {
  const bound = (sid: string) => `shop:${shopId}/${sid}`;
  return {
    seal: (kind, plaintext, sid) => crypto.seal(kind, plaintext, bound(sid)),
    open: (kind, sealed, sid) => crypto.open(kind, sealed, bound(sid)),
  };
}

/**
 * The session crypto of a shop's records, for the service (plugins/sessions.ts) and the ops commands
 * alike: bound to the shop with SHOPS_FILE, the ring itself without (`shopId` undefined).
 */
export function shopSessionCrypto(crypto: SessionCrypto, shopId: string | undefined): SessionCrypto {
  return shopId === undefined ? crypto : bindToShop(crypto, shopId);
}
