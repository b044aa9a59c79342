// Unit tests of the HS256 redirect JWT that SCAYLE's logout and external-login redirects take.
import { decodeProtectedHeader, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import { signRedirectJwt } from '../../src/tokens/redirect-jwt.js';

const SECRET = 'shop-checkout-secret-1';
const key = new TextEncoder().encode(SECRET);
const NOW = Date.UTC(2026, 4, 1, 8, 30, 15, 999);

describe('signRedirectJwt', () => {
  it('signs HS256 with typ JWT, keeps the claims and sets exp = iat + ttl', async () => {
    const claims = { idpKey: 'google', callbackUrl: 'https://bff.example.test/auth/social/callback', clientId: '42' };
    const jwt = await signRedirectJwt(claims, SECRET, 900, () => NOW);

    expect(decodeProtectedHeader(jwt)).toEqual({ alg: 'HS256', typ: 'JWT' });
    const { payload } = await jwtVerify(jwt, key, { algorithms: ['HS256'], currentDate: new Date(NOW) });
    expect(payload).toEqual({ ...claims, iat: Math.floor(NOW / 1000), exp: Math.floor(NOW / 1000) + 900 });
  });

  it('overrides iat/exp smuggled in through the claims', async () => {
    const jwt = await signRedirectJwt({ tokenId: 'jti-1', iat: 1, exp: 9_999_999_999 }, SECRET, 60, () => NOW);
    const { payload } = await jwtVerify(jwt, key, { currentDate: new Date(NOW) });
    expect(payload.exp! - payload.iat!).toBe(60);
    expect(payload.iat).toBe(Math.floor(NOW / 1000));
  });

  it('is not valid under another secret, nor after it expires', async () => {
    const jwt = await signRedirectJwt({ tokenId: 'jti-1' }, SECRET, 60, () => NOW);
    await expect(jwtVerify(jwt, new TextEncoder().encode('other-secret'), { currentDate: new Date(NOW) })).rejects.toThrow();
    await expect(jwtVerify(jwt, key, { currentDate: new Date(NOW + 61_000) })).rejects.toThrow(/exp/);
  });

  it('uses the real clock by default', async () => {
    const before = Math.floor(Date.now() / 1000);
    const { payload } = await jwtVerify(await signRedirectJwt({}, SECRET, 30), key);
    expect(payload.iat).toBeGreaterThanOrEqual(before);
    expect(payload.exp).toBe(payload.iat! + 30);
  });

  it.each([
    ['an empty secret', '', 60],
    ['a zero ttl', SECRET, 0],
    ['a fractional ttl', SECRET, 1.5],
  ])('refuses %s', async (_name, secret, ttl) => {
    await expect(signRedirectJwt({}, secret, ttl)).rejects.toBeInstanceOf(AppError);
  });
});
