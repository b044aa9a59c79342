// Encryption at rest for session records: AES-256-GCM under a key ring (the first key encrypts, every
// key decrypts), with the session id bound in as associated data so a record cannot be replayed under
// another session's key. Each sealed value names its key id, which is what makes rotation painless.
//
// A sealed value is raw bytes (Redis strings are binary-safe; base64 text would cost a third more):
//   [0]      format version (1)
//   [1..7)   key id: the first 6 bytes of sha256(key)
//   [7..19)  IV, 12 random bytes
//   [19..-16) ciphertext (as long as the UTF-8 plaintext)
//   [-16..]  GCM tag
// The associated data is the 7-byte header followed by the UTF-8 associated data (the session id), so
// neither the format byte nor the key id can be swapped without the tag failing.
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';

const VERSION = 1;
const KEY_ID_BYTES = 6;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = 1 + KEY_ID_BYTES;
/** Bytes a sealed value adds to its plaintext. */
export const SEALED_OVERHEAD_BYTES = HEADER_BYTES + IV_BYTES + TAG_BYTES;

interface RingKey {
  /** Hex of the key-id bytes, for lookup. */
  id: string;
  idBytes: Buffer;
  key: Buffer;
}

export interface SessionCrypto {
  seal(plaintext: string, associatedData: string): Buffer;
  /** Throws when no key of the ring opens the value or it was tampered with. */
  open(sealed: Uint8Array, associatedData: string): string;
}

/** The key id a sealed value names (hex), or undefined when it is not a sealed value of this format. */
export function sealedKeyId(sealed: Uint8Array): string | undefined {
  if (sealed.length < SEALED_OVERHEAD_BYTES || sealed[0] !== VERSION) return undefined;
  return Buffer.from(sealed.buffer, sealed.byteOffset + 1, KEY_ID_BYTES).toString('hex');
}

/**
 * Derives a 256-bit AES key from each configured secret with HKDF, so any high-entropy string of 32+
 * characters works (base64, hex, a password manager's output) without ops having to get an encoding right.
 */
export function createSessionCrypto(secrets: readonly string[]): SessionCrypto {
  if (secrets.length === 0) throw new Error('session crypto needs at least one key');
  const ring: RingKey[] = secrets.map((secret) => {
    const key = Buffer.from(hkdfSync('sha256', secret, 'scayle-auth-bff', 'session-record-v1', 32));
    const idBytes = createHash('sha256').update(key).digest().subarray(0, KEY_ID_BYTES);
    return { id: idBytes.toString('hex'), idBytes, key };
  });
  const byId = new Map(ring.map((k) => [k.id, k]));
  const current = ring[0]!;
  const aad = (header: Uint8Array, associatedData: string): Buffer => Buffer.concat([header, Buffer.from(associatedData, 'utf8')]);

  return {
    seal(plaintext, associatedData) {
      const header = Buffer.concat([Buffer.of(VERSION), current.idBytes]);
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', current.key, iv);
      cipher.setAAD(aad(header, associatedData));
      return Buffer.concat([header, iv, cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    },
    open(sealed, associatedData) {
      const keyId = sealedKeyId(sealed);
      const ringKey = keyId === undefined ? undefined : byId.get(keyId);
      if (!ringKey) throw new Error('sealed value has an unknown format or key id');
      const bytes = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.length);
      const iv = bytes.subarray(HEADER_BYTES, HEADER_BYTES + IV_BYTES);
      const body = bytes.subarray(HEADER_BYTES + IV_BYTES, bytes.length - TAG_BYTES);
      const decipher = createDecipheriv('aes-256-gcm', ringKey.key, iv);
      decipher.setAAD(aad(bytes.subarray(0, HEADER_BYTES), associatedData));
      decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
      return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
    },
  };
}
