// issue 18 part 4: a SCAYLE 401 invalid_client makes the client re-read its secret and, only if it changed,
// send that one call again with the new one (POSTs too: SCAYLE refused before doing anything). Never more
// than one retry; concurrent failures share one re-read; other 401s and Bearer calls never retry.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MockAgent } from 'undici';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { parseField } from '../../src/config-schema.js';
import { loadConfig } from '../../src/config.js';
import { AppError } from '../../src/errors.js';
import { createSecretStore } from '../../src/secrets/secret-store.js';
import { secretValuesOf } from '../../src/secrets/secret-values.js';
import { createScayleClient } from '../../src/upstream/scayle-client.js';
import type { ScayleClient } from '../../src/upstream/types.js';

const ORIGIN = 'https://acme-live.auth.scayle.cloud';
const ctx = { requestId: 'req-1' };
const TOKENS = { token_type: 'Bearer', access_token: 'a', refresh_token: 'r', expires_in: 60 };
const INVALID_CLIENT = JSON.stringify({ error: 'INVALID_CLIENT', message: 'Client authentication failed.', context: null });
const basic = (secret: string) => `Basic ${Buffer.from(`bff-client:${secret}`).toString('base64')}`;

let agent: MockAgent;
let client: ScayleClient;
let secret: string;
let reread: ReturnType<typeof vi.fn<() => Promise<void>>>;
/** The Authorization header of every login SCAYLE saw, in order. */
let seen: string[];

/** SCAYLE accepts only `accepted` on the next `times` logins. */
function scayle(accepted: string, times = 1): void {
  agent
    .get(ORIGIN)
    .intercept({ method: 'POST', path: '/v1/auth/login' })
    .reply((options) => {
      const authorization = String((options.headers as Record<string, string>).authorization);
      seen.push(authorization);
      return authorization === basic(accepted)
        ? { statusCode: 200, data: JSON.stringify(TOKENS), responseOptions: { headers: { 'content-type': 'application/json' } } }
        : { statusCode: 401, data: INVALID_CLIENT, responseOptions: { headers: { 'content-type': 'application/json' } } };
    })
    .times(times);
}

const login = () => client.login({ email: 'a@example.test', password: 'pw-1' }, ctx);

beforeEach(() => {
  agent = new MockAgent();
  agent.disableNetConnect();
  secret = 'old-secret';
  seen = [];
  reread = vi.fn(async () => undefined);
  client = createScayleClient({
    baseUrl: ORIGIN,
    clientId: 'bff-client',
    clientSecret: () => secret,
    onInvalidClient: reread,
    shopId: 7,
    clientKey: 'ck',
    dispatcher: agent,
    logger: { warn: () => undefined, error: () => undefined },
  });
});

afterEach(async () => {
  await client.close();
  await agent.close();
});

describe('after SCAYLE answers invalid_client', () => {
  it('re-reads the secret and retries the call once with the new one', async () => {
    scayle('new-secret', 2);
    reread.mockImplementation(async () => {
      secret = 'new-secret'; // the file was rotated: the re-read finds the new secret
    });
    await expect(login()).resolves.toMatchObject({ accessToken: 'a' });
    expect(seen).toEqual([basic('old-secret'), basic('new-secret')]);
    expect(reread).toHaveBeenCalledOnce();
  });

  it('does not retry when the re-read finds the same secret (a wrong secret stays a 502)', async () => {
    scayle('other-secret');
    const err = await login().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('UPSTREAM_BAD_RESPONSE');
    expect(seen).toEqual([basic('old-secret')]);
    expect(reread).toHaveBeenCalledOnce();
  });

  it('retries at most once, even when the new secret is refused too', async () => {
    scayle('third-secret', 2);
    reread.mockImplementation(async () => {
      secret = `${secret}+`; // every re-read finds yet another secret
    });
    const err = await login().catch((e: unknown) => e);
    expect((err as AppError).code).toBe('UPSTREAM_BAD_RESPONSE');
    expect(seen).toEqual([basic('old-secret'), basic('old-secret+')]);
    expect(reread).toHaveBeenCalledOnce();
  });

  it('does not re-read for a 401 that is not invalid_client, nor for a request that is not sent with client credentials', async () => {
    agent
      .get(ORIGIN)
      .intercept({ method: 'POST', path: '/v1/auth/login' })
      .reply(401, JSON.stringify({ error: 'invalid_credentials', message: 'x', context: null }), {
        headers: { 'content-type': 'application/json' },
      });
    expect(((await login().catch((e: unknown) => e)) as AppError).code).toBe('INVALID_CREDENTIALS');
    agent
      .get(ORIGIN)
      .intercept({ method: 'PUT', path: '/v1/auth/password' })
      .reply(401, INVALID_CLIENT, { headers: { 'content-type': 'application/json' } });
    await client.changePassword('access', 'a', 'b', ctx).catch(() => undefined);
    expect(reread).not.toHaveBeenCalled();
  });

  it('uses, per call, the secret in use when it was sent: a call in flight during a rotation keeps the old one', async () => {
    agent
      .get(ORIGIN)
      .intercept({ method: 'POST', path: '/v1/auth/login' })
      .reply((options) => {
        seen.push(String((options.headers as Record<string, string>).authorization));
        return { statusCode: 200, data: JSON.stringify(TOKENS), responseOptions: { headers: { 'content-type': 'application/json' } } };
      })
      .delay(300); // still in flight while the secret rotates
    const inFlight = login();
    await vi.waitFor(() => expect(seen).toHaveLength(1));
    secret = 'rotated-secret';
    scayle('rotated-secret');
    await expect(login()).resolves.toMatchObject({ accessToken: 'a' });
    await expect(inFlight).resolves.toMatchObject({ accessToken: 'a' });
    expect(seen).toEqual([basic('old-secret'), basic('rotated-secret')]);
  });
});

describe('with the secret store behind it', () => {
  it('shares one re-read of the file among concurrent invalid_client failures, each call retried once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bff-invalid-client-'));
    try {
      const file = join(dir, 'client-secret');
      writeFileSync(file, 'old-secret\n');
      const config = loadConfig({ DEV_MODE: 'true', SCAYLE_CLIENT_SECRET_FILE: file });
      const store = createSecretStore({
        initial: secretValuesOf(config),
        paths: config.secretFiles.paths,
        parse: parseField,
        logger: { info: () => undefined, error: () => undefined },
      });
      const reloads = vi.fn();
      store.onReload(reloads);
      await client.close();
      client = createScayleClient({
        baseUrl: ORIGIN,
        clientId: 'bff-client',
        clientSecret: () => store.current.SCAYLE_CLIENT_SECRET,
        onInvalidClient: () => store.rereadAfterInvalidClient(),
        shopId: 7,
        clientKey: 'ck',
        dispatcher: agent,
        logger: { warn: () => undefined, error: () => undefined },
      });
      writeFileSync(file, 'new-secret\n'); // rotated; nothing told the service
      scayle('new-secret', 10);
      const results = await Promise.all(Array.from({ length: 5 }, () => login()));
      expect(results.every((r) => r.accessToken === 'a')).toBe(true);
      expect(reloads).toHaveBeenCalledTimes(1);
      expect(seen.filter((h) => h === basic('old-secret'))).toHaveLength(5);
      expect(seen.filter((h) => h === basic('new-secret'))).toHaveLength(5);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
