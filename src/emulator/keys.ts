// RSA signing keys for access tokens: the current key signs, every key ever used stays in the JWKS so
// tokens signed before a rotation still verify (what a client's JWKS cache must cope with).
import { randomBytes } from 'node:crypto';
import { SignJWT, createLocalJWKSet, exportJWK, generateKeyPair, jwtVerify } from 'jose';
import type { CryptoKey, JWK, JWTPayload } from 'jose';

interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

export class KeyRing {
  private readonly keys: SigningKey[] = [];

  private constructor() {}

  static async create(): Promise<KeyRing> {
    const ring = new KeyRing();
    await ring.rotate();
    return ring;
  }

  /** Makes a fresh key current; returns its kid. Old keys remain published. */
  async rotate(): Promise<string> {
    const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
    const kid = `emu-${randomBytes(6).toString('hex')}`;
    const publicJwk: JWK = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };
    this.keys.push({ kid, privateKey, publicJwk });
    return kid;
  }

  get currentKid(): string {
    return this.current().kid;
  }

  /** The body of `/.well-known/jwks.json`: public parts only. */
  jwks(): { keys: JWK[] } {
    return { keys: this.keys.map((key) => ({ ...key.publicJwk })) };
  }

  /** Signs claims with the current key; `iat`/`exp` are epoch seconds. */
  async sign(claims: JWTPayload, iat: number, exp: number): Promise<string> {
    const key = this.current();
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: key.kid, typ: 'JWT' })
      .setIssuedAt(iat)
      .setExpirationTime(exp)
      .sign(key.privateKey);
  }

  /** Signature and `exp` check against our own keys; the caller checks revocation in state. */
  async verify(jwt: string, nowMs: number): Promise<JWTPayload | undefined> {
    try {
      const { payload } = await jwtVerify(jwt, createLocalJWKSet(this.jwks()), {
        algorithms: ['RS256'],
        currentDate: new Date(nowMs),
      });
      return payload;
    } catch {
      return undefined;
    }
  }

  private current(): SigningKey {
    const key = this.keys.at(-1);
    if (!key) throw new Error('KeyRing has no key');
    return key;
  }
}
