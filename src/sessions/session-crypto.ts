// Encryption at rest for session records and their side records: AES-256-GCM under a key ring (the first
// key encrypts, every key decrypts). The associated data binds the session id, so a value cannot be
// replayed under another session, and the kind of value, so a side record can never be opened as a
// session record or the other way round. Each sealed value names its key id (painless rotation).
//
// A sealed value is raw bytes (Redis strings are binary-safe; base64 text would cost a third more):
//   [0]      format version (2)
//   [1..7)   key id: the first 6 bytes of sha256(key)
//   [7..19)  IV, 12 random bytes
//   [19..-16) ciphertext (as long as the UTF-8 plaintext)
//   [-16..]  GCM tag
// The associated data is the 7-byte header, then the kind byte, then the UTF-8 session id, so neither
// the format byte, the key id nor the kind can be swapped without the tag failing. Format 1 (no kind
// byte) was written before kinds existed; it still opens as a session record only, so a deploy logs no
// one out, and can be dropped once every format-1 record has passed its absolute lifetime.
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';

const VERSION = 2;
const LEGACY_VERSION = 1;
const KEY_ID_BYTES = 6;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = 1 + KEY_ID_BYTES;
/** Bytes a sealed value adds to its plaintext. */
export const SEALED_OVERHEAD_BYTES = HEADER_BYTES + IV_BYTES + TAG_BYTES;

/** What a sealed value is; part of its associated data, so it opens only as what it was sealed as. */
// issue 17: 'credential' seals an imported legacy password hash (src/migration/credential-records.ts);
// its "sid" is the e-mail's key id, so a record cannot be moved to another address.
// issue 17 part 4: 'enrichment' seals a queued profile update (src/enrichment/job-payload.ts); its "sid"
// is the customer id, so a payload cannot be replayed against another customer.
export type SealedKind = 'record' | 'side' | 'credential' | 'enrichment';
const KIND_BYTES: Readonly<Record<SealedKind, number>> = { record: 0x52, side: 0x53, credential: 0x43, enrichment: 0x45 };

interface RingKey {
  /** Hex of the key-id bytes, for lookup. */
  id: string;
  idBytes: Buffer;
  key: Buffer;
}

export interface SessionCrypto {
  seal(kind: SealedKind, plaintext: string, sid: string): Buffer;
  /** Throws when no key of the ring opens the value, it is of another kind or it was tampered with. */
  open(kind: SealedKind, sealed: Uint8Array, sid: string): string;
}

/** The key id a sealed value names (hex), or undefined when it is not a sealed value of a known format. */
export function sealedKeyId(sealed: Uint8Array): string | undefined {
  if (sealed.length < SEALED_OVERHEAD_BYTES || (sealed[0] !== VERSION && sealed[0] !== LEGACY_VERSION)) return undefined;
  return Buffer.from(sealed.buffer, sealed.byteOffset + 1, KEY_ID_BYTES).toString('hex');
}

function ringKey(secret: string): RingKey {
  const key = Buffer.from(hkdfSync('sha256', secret, 'scayle-auth-bff', 'session-record-v1', 32));
  const idBytes = createHash('sha256').update(key).digest().subarray(0, KEY_ID_BYTES);
  return { id: idBytes.toString('hex'), idBytes, key };
}

/** The key id (hex) values sealed under `secret` name: a hash of the derived key, safe to print. */
export function keyIdOf(secret: string): string {
  return ringKey(secret).id;
}

/**
 * Derives a 256-bit AES key from each configured secret with HKDF, so any high-entropy string of 32+
 * characters works (base64, hex, a password manager's output) without ops having to get an encoding right.
 */
export function createSessionCrypto(secrets: readonly string[]): SessionCrypto {
  if (secrets.length === 0) throw new Error('session crypto needs at least one key');
  const ring: RingKey[] = secrets.map(ringKey);
  const byId = new Map(ring.map((k) => [k.id, k]));
  const current = ring[0]!;
  const aad = (header: Uint8Array, kind: SealedKind, sid: string): Buffer => {
    const kindPart = header[0] === LEGACY_VERSION ? [] : [Buffer.of(KIND_BYTES[kind])];
    return Buffer.concat([header, ...kindPart, Buffer.from(sid, 'utf8')]);
  };

  return {
    seal(kind, plaintext, sid) {
      const header = Buffer.concat([Buffer.of(VERSION), current.idBytes]);
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', current.key, iv);
      cipher.setAAD(aad(header, kind, sid));
      return Buffer.concat([header, iv, cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    },
    open(kind, sealed, sid) {
      const keyId = sealedKeyId(sealed);
      const ringKey = keyId === undefined ? undefined : byId.get(keyId);
      if (!ringKey) throw new Error('sealed value has an unknown format or key id');
      // Format 1 did not say what it sealed: read it as a record only. Side records live 30 s, so the
      // format-1 ones are gone soon after a deploy.
      if (sealed[0] === LEGACY_VERSION && kind !== 'record') throw new Error('sealed value has an unknown format or key id');
      const bytes = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.length);
      const iv = bytes.subarray(HEADER_BYTES, HEADER_BYTES + IV_BYTES);
      const body = bytes.subarray(HEADER_BYTES + IV_BYTES, bytes.length - TAG_BYTES);
      const decipher = createDecipheriv('aes-256-gcm', ringKey.key, iv);
      decipher.setAAD(aad(bytes.subarray(0, HEADER_BYTES), kind, sid));
      decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
      return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
    },
  };
}
