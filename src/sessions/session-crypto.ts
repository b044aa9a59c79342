// Encryption at rest for session records: AES-256-GCM under a key ring (the first key encrypts, every
// key decrypts), with the session id bound in as associated data so a record cannot be replayed under
// another session's key. Each sealed value names its key id, which is what makes rotation painless.
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

interface RingKey {
  id: string;
  key: Buffer;
}

export interface SessionCrypto {
  seal(plaintext: string, associatedData: string): string;
  /** Throws when no key of the ring opens the value or it was tampered with. */
  open(sealed: string, associatedData: string): string;
}

/**
 * Derives a 256-bit AES key from each configured secret with HKDF, so any high-entropy string of 32+
 * characters works (base64, hex, a password manager's output) without ops having to get an encoding right.
 */
export function createSessionCrypto(secrets: readonly string[]): SessionCrypto {
  if (secrets.length === 0) throw new Error('session crypto needs at least one key');
  const ring: RingKey[] = secrets.map((secret) => {
    const key = Buffer.from(hkdfSync('sha256', secret, 'scayle-auth-bff', 'session-record-v1', 32));
    const id = createHash('sha256').update(key).digest('base64url').slice(0, 8);
    return { id, key };
  });
  const byId = new Map(ring.map((k) => [k.id, k]));
  const current = ring[0]!;

  return {
    seal(plaintext, associatedData) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', current.key, iv);
      cipher.setAAD(Buffer.from(associatedData));
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
      return `${VERSION}.${current.id}.${iv.toString('base64url')}.${body.toString('base64url')}`;
    },
    open(sealed, associatedData) {
      const [version, keyId, ivText, bodyText] = sealed.split('.');
      const ringKey = keyId === undefined ? undefined : byId.get(keyId);
      if (version !== VERSION || !ringKey || ivText === undefined || bodyText === undefined) {
        throw new Error('sealed value has an unknown format or key id');
      }
      const body = Buffer.from(bodyText, 'base64url');
      const decipher = createDecipheriv('aes-256-gcm', ringKey.key, Buffer.from(ivText, 'base64url'));
      decipher.setAAD(Buffer.from(associatedData));
      decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
      return Buffer.concat([decipher.update(body.subarray(0, body.length - TAG_BYTES)), decipher.final()]).toString('utf8');
    },
  };
}
