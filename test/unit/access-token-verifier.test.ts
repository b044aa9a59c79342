// Unit tests of access-token verification against a JWKS served through a MockAgent, and against a real
// local server for the body limit (a MockAgent's replies never reach undici's HTTP parser).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type JWK, type JWTPayload } from 'jose';
import { MockAgent } from 'undici';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createAccessTokenVerifier, type AccessTokenVerifierOptions } from '../../src/tokens/access-token-verifier.js';
import { MAX_JWKS_BYTES } from '../../src/tokens/jwks-fetch.js';
import { failure } from '../helpers/failure.js';

const ORIGIN = 'https://acme-live.auth.scayle.cloud';
const JWKS_URL = `${ORIGIN}/.well-known/jwks.json`;
const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);

type Key = { privateKey: Parameters<SignJWT['sign']>[0]; jwk: JWK };
async function makeKey(kid: string): Promise<Key> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  return { privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' } };
}

let keyA: Key;
let keyB: Key;
let keyEvil: Key;
beforeAll(async () => {
  [keyA, keyB, keyEvil] = await Promise.all([makeKey('kid-a'), makeKey('kid-b'), makeKey('kid-a')]);
});

/** Current time in seconds as the verifier sees it (fake system time in these tests). */
const nowS = () => Math.floor(Date.now() / 1000);

function sign(key: Key, claims: JWTPayload = {}, kid = key.jwk.kid!) {
  return new SignJWT({ customerId: 4711, guest: false, ...claims })
    .setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' })
    .setJti(typeof claims.jti === 'string' ? claims.jti : 'jti-1')
    .setIssuedAt(nowS())
    .setExpirationTime(typeof claims.exp === 'number' ? claims.exp : nowS() + 600)
    .sign(key.privateKey);
}

let agent: MockAgent;
let served: JWK[];
let fetches: number;

function verifier(options: Partial<AccessTokenVerifierOptions> = {}) {
  return createAccessTokenVerifier({ jwksUrl: JWKS_URL, dispatcher: agent, ...options });
}

beforeEach(() => {
  // Only Date is faked: jose's key cache reads Date.now, so moving the clock ages the cache.
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(T0);
  agent = new MockAgent();
  agent.disableNetConnect();
  served = [keyA.jwk];
  fetches = 0;
  agent
    .get(ORIGIN)
    .intercept({ method: 'GET', path: '/.well-known/jwks.json' })
    .reply(() => {
      fetches += 1;
      return {
        statusCode: 200,
        data: JSON.stringify({ keys: served }),
        responseOptions: { headers: { 'content-type': 'application/json' } },
      };
    })
    .persist();
});

afterEach(async () => {
  vi.useRealTimers();
  await agent.close();
});

describe('verify', () => {
  it('accepts a valid token and returns its facts', async () => {
    const token = await sign(keyA, { jti: 'jti-9' });
    await expect(verifier().verify(token)).resolves.toEqual({
      jti: 'jti-9',
      customerId: '4711',
      expiresAt: (nowS() + 600) * 1000,
      guest: false,
    });
  });

  it('falls back to sub for the customer id and reads a guest flag', async () => {
    const token = await new SignJWT({ sub: 'cust-7', guest: true })
      .setProtectedHeader({ alg: 'RS256', kid: 'kid-a' })
      .setJti('j')
      .setExpirationTime(nowS() + 60)
      .sign(keyA.privateKey);
    await expect(verifier().verify(token)).resolves.toMatchObject({ customerId: 'cust-7', guest: true });
  });

  it.each([
    ['signed by the wrong key', () => sign(keyEvil)],
    ['expired beyond the clock tolerance', () => sign(keyA, { exp: nowS() - 10 })],
    [
      'missing jti',
      () =>
        new SignJWT({})
          .setProtectedHeader({ alg: 'RS256', kid: 'kid-a' })
          .setExpirationTime(nowS() + 60)
          .sign(keyA.privateKey),
    ],
    ['missing exp', () => new SignJWT({}).setProtectedHeader({ alg: 'RS256', kid: 'kid-a' }).setJti('j').sign(keyA.privateKey)],
    [
      'HS256 (symmetric, not allowed)',
      () =>
        new SignJWT({})
          .setProtectedHeader({ alg: 'HS256', kid: 'kid-a' })
          .setJti('j')
          .setExpirationTime(nowS() + 60)
          .sign(new Uint8Array(32)),
    ],
    ['not a JWT at all', () => Promise.resolve('not.a.jwt')],
  ])('rejects a token %s with 502', async (_name, make) => {
    const err = await failure(verifier().verify(await make()));
    expect(err.code).toBe('UPSTREAM_BAD_RESPONSE');
    expect(err.status).toBe(502);
  });

  it('tolerates a few seconds of clock skew on exp', async () => {
    const token = await sign(keyA, { exp: nowS() - 3 });
    await expect(verifier().verify(token)).resolves.toMatchObject({ jti: 'jti-1' });
  });

  it('checks exp against the injected clock', async () => {
    const token = await sign(keyA, { exp: nowS() + 60 });
    const err = await failure(verifier({ now: () => T0 + 120_000 }).verify(token));
    expect(err.code).toBe('UPSTREAM_BAD_RESPONSE');
  });
});

describe('the key cache', () => {
  it('fetches the JWKS once and reuses it until it is too old', async () => {
    const v = verifier({ cacheMaxAgeMs: 60_000 });
    for (let i = 0; i < 5; i++) await v.verify(await sign(keyA));
    expect(fetches).toBe(1);
    vi.setSystemTime(T0 + 61_000);
    await v.verify(await sign(keyA));
    expect(fetches).toBe(2);
  });

  it('follows a key rotation on an unknown kid, but refetches at most once per cooldown', async () => {
    const v = verifier({ cooldownMs: 10_000 });
    await v.verify(await sign(keyA));
    served = [keyA.jwk, keyB.jwk];

    // Within the cooldown an unknown kid is rejected without hitting SCAYLE.
    vi.setSystemTime(T0 + 5_000);
    expect((await failure(v.verify(await sign(keyB)))).code).toBe('UPSTREAM_BAD_RESPONSE');
    expect(fetches).toBe(1);

    vi.setSystemTime(T0 + 10_001);
    await expect(v.verify(await sign(keyB))).resolves.toMatchObject({ jti: 'jti-1' });
    expect(fetches).toBe(2);

    // A forged kid right after: no refetch storm.
    for (let i = 0; i < 3; i++) await failure(v.verify(await sign(keyB, {}, 'kid-unknown')));
    expect(fetches).toBe(2);
    vi.setSystemTime(T0 + 21_000);
    expect((await failure(v.verify(await sign(keyB, {}, 'kid-unknown')))).code).toBe('UPSTREAM_BAD_RESPONSE');
    expect(fetches).toBe(3);
  });

  it('probe() fetches when the cooldown has passed and not otherwise', async () => {
    const v = verifier({ cooldownMs: 10_000 });
    await v.probe();
    await v.probe();
    expect(fetches).toBe(1);
    vi.setSystemTime(T0 + 10_001);
    await v.probe();
    expect(fetches).toBe(2);
  });
});

describe('JWKS endpoint failures', () => {
  const failingAgent = () => {
    const a = new MockAgent();
    a.disableNetConnect();
    return a;
  };

  it.each([
    [
      'refused',
      (a: MockAgent) =>
        a
          .get(ORIGIN)
          .intercept({ path: '/.well-known/jwks.json' })
          .replyWithError(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' })),
      'UPSTREAM_UNAVAILABLE',
    ],
    [
      'answering 503',
      (a: MockAgent) => a.get(ORIGIN).intercept({ path: '/.well-known/jwks.json' }).reply(503, 'down'),
      'UPSTREAM_UNAVAILABLE',
    ],
    [
      'answering 500',
      (a: MockAgent) => a.get(ORIGIN).intercept({ path: '/.well-known/jwks.json' }).reply(500, 'oops'),
      'UPSTREAM_BAD_RESPONSE',
    ],
    [
      'answering non-JSON',
      (a: MockAgent) => a.get(ORIGIN).intercept({ path: '/.well-known/jwks.json' }).reply(200, '<html>'),
      'UPSTREAM_BAD_RESPONSE',
    ],
    [
      'answering a non-JWKS',
      (a: MockAgent) => a.get(ORIGIN).intercept({ path: '/.well-known/jwks.json' }).reply(200, '{"keys": 1}'),
      'UPSTREAM_BAD_RESPONSE',
    ],
    [
      'too slow',
      (a: MockAgent) => a.get(ORIGIN).intercept({ path: '/.well-known/jwks.json' }).reply(200, '{"keys":[]}').delay(500),
      'UPSTREAM_TIMEOUT',
    ],
  ])('%s → %s', async (_name, arrange, code) => {
    vi.useRealTimers();
    const a = failingAgent();
    arrange(a);
    const v = createAccessTokenVerifier({ jwksUrl: JWKS_URL, dispatcher: a, timeoutMs: 50 });
    const err = await failure(v.verify(await sign(keyA)));
    expect(err.code).toBe(code);
    await a.close();
  });

  it('probe() rejects with the same mapping', async () => {
    vi.useRealTimers();
    const a = failingAgent();
    a.get(ORIGIN)
      .intercept({ path: '/.well-known/jwks.json' })
      .replyWithError(Object.assign(new Error('dns'), { code: 'ENOTFOUND' }));
    const err = await failure(createAccessTokenVerifier({ jwksUrl: JWKS_URL, dispatcher: a }).probe());
    expect(err.code).toBe('UPSTREAM_UNAVAILABLE');
    await a.close();
  });
});

describe('an oversized JWKS', () => {
  const TOTAL = 64 * MAX_JWKS_BYTES;

  /** Streams a JSON-looking body of TOTAL bytes, honouring backpressure; resolves with what it wrote. */
  async function serveHugeJwks() {
    let written = 0;
    let finished!: (bytes: number) => void;
    const done = new Promise<number>((resolve) => (finished = resolve));
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const chunk = Buffer.alloc(64 * 1024, ' ');
      let open = true;
      res.on('close', () => {
        open = false;
        finished(written);
      });
      const pump = (): void => {
        while (open && written < TOTAL) {
          written += chunk.length;
          if (!res.write(chunk)) {
            res.once('drain', pump);
            return;
          }
        }
        if (open) res.end();
      };
      res.write('{"keys":[');
      pump();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
    const close = () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    };
    return { url, done, close };
  }

  it('stops reading at the byte limit and answers 502', async () => {
    vi.useRealTimers();
    const huge = await serveHugeJwks();
    const v = createAccessTokenVerifier({ jwksUrl: huge.url, timeoutMs: 10_000 });
    try {
      const err = await failure(v.verify(await sign(keyA)));
      expect(err.code).toBe('UPSTREAM_BAD_RESPONSE');
      // The server could push no more than the limit plus what socket buffers hold before we hung up.
      expect(await huge.done).toBeLessThan(TOTAL / 4);
    } finally {
      await v.close();
      await huge.close();
    }
  });
});
