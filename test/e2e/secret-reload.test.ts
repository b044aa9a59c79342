// issue 18 part 4 end to end: src/server.ts as a child process with its secrets in *_FILE files, against
// the emulator. A rotated SCAYLE client secret is picked up on SIGHUP (watch off) with a login in flight
// finishing on the old secret; by the file watch alone; and, with neither, by the one re-read and retry
// that SCAYLE's 401 invalid_client triggers. An invalid file on SIGHUP keeps the old values.
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { fingerprint } from '../../src/secrets/secret-values.js';
import { eventually } from '../helpers/eventually.js';
import { Browser, uniqueEmail } from '../helpers/http.js';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js';
import { TEST_SECRETS } from '../helpers/stack.js';

const dir = mkdtempSync(join(tmpdir(), 'bff-secret-reload-'));
const files = { client: join(dir, 'client-secret'), shop: join(dir, 'shop-secret'), keys: join(dir, 'session-keys') };
let emulator: Emulator;
const children: ChildProcess[] = [];

/** Writes a secret the way a careful writer (and the kubelet) does: a new file renamed over the old one. */
function writeSecret(path: string, value: string): void {
  writeFileSync(`${path}.tmp`, `${value}\n`);
  renameSync(`${path}.tmp`, path);
}

beforeAll(async () => {
  emulator = await startEmulator({ ...TEST_SECRETS, shopId: 7 });
});
afterEach(() => {
  emulator.setOptions({ clientSecret: TEST_SECRETS.clientSecret, previousClientSecret: undefined });
  emulator.faults.clear();
});
afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await emulator.close();
  rmSync(dir, { recursive: true, force: true });
});

async function startServer(watch: boolean): Promise<ServerProcess> {
  writeSecret(files.client, TEST_SECRETS.clientSecret);
  writeSecret(files.shop, TEST_SECRETS.shopSecret);
  sessionKey = randomBytes(32).toString('base64url');
  writeSecret(files.keys, sessionKey);
  const server = await startServerProcess({
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    UPSTREAM_TIMEOUT_MS: '60000',
    SCAYLE_AUTH_BASE_URL: emulator.url,
    SCAYLE_CLIENT_ID: TEST_SECRETS.clientId,
    SCAYLE_CLIENT_SECRET_FILE: files.client,
    SCAYLE_SHOP_ID: '7',
    SCAYLE_SHOP_SECRET_FILE: files.shop,
    SESSION_ENCRYPTION_KEYS_FILE: files.keys,
    SECRET_FILES_WATCH: String(watch),
  });
  children.push(server.child);
  return server;
}

async function stop(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

const guestLogin = (url: string) =>
  new Browser(url).post('/auth/login/guest', { gender: 'n', first_name: 'Se', last_name: 'Cret', email: uniqueEmail('reload') });

/** The client secret in the Basic header of each guest login SCAYLE saw since `from`. */
function secretsSeen(from: number): string[] {
  return emulator.state
    .lastHeaders('guest')
    .slice(from)
    .map(
      (h) =>
        Buffer.from(String(h.authorization).replace(/^Basic /, ''), 'base64')
          .toString('utf8')
          .split(':')[1]!,
    );
}

async function metricsOf(url: string): Promise<string> {
  return (await new Browser(url).get('/metrics')).text;
}
/** The running server's session key: fingerprints are keyed with it. */
let sessionKey = '';
const clientInfo = (secret: string) =>
  `credential_info{credential="SCAYLE_CLIENT_SECRET",fingerprint="${fingerprint(secret, sessionKey)}",shop="default"} 1`;

describe('secrets in files, rotated on a running process', () => {
  it('SIGHUP: the next call uses the new secret, a login in flight finishes on the old one', { timeout: 60_000 }, async () => {
    const { child, url, output } = await startServer(false);
    const old = TEST_SECRETS.clientSecret;
    const next = `rotated-${randomBytes(8).toString('hex')}`;
    const from = emulator.state.lastHeaders('guest').length;
    expect((await guestLogin(url)).status).toBe(200);
    expect(await metricsOf(url)).toContain(clientInfo(old));

    // SCAYLE issues the new secret and still accepts the old one while the rollout runs.
    emulator.setOptions({ clientSecret: next, previousClientSecret: old });
    emulator.faults.add({ endpoint: 'guest', delayMs: 60_000, times: 1 });
    const calls = emulator.state.calls('guest');
    const inFlight = guestLogin(url);
    await eventually(() => emulator.state.calls('guest') > calls, 'the login to reach SCAYLE');

    writeSecret(files.client, next);
    child.kill('SIGHUP');
    await eventually(async () => (await metricsOf(url)).includes(clientInfo(next)), 'the reloaded fingerprint');
    emulator.faults.wakeAll();
    expect((await inFlight).status).toBe(200);

    emulator.setOptions({ previousClientSecret: undefined }); // the old secret is revoked
    expect((await guestLogin(url)).status).toBe(200);
    expect(secretsSeen(from)).toEqual([old, old, next]);
    const metrics = await metricsOf(url);
    expect(metrics).toContain('secret_reloads_total{trigger="sighup",outcome="success",shop="default"} 1');
    expect(metrics).toContain('secret_reloads_total{trigger="invalid_client",outcome="success",shop="default"} 0');
    expect(metrics).not.toContain(clientInfo(old));
    expect(child.exitCode).toBeNull(); // SIGHUP reloads; it no longer closes the service

    // An invalid file: the reload fails, the old values stay, one error names the variable.
    writeSecret(files.keys, 'too-short');
    child.kill('SIGHUP');
    await eventually(
      async () => (await metricsOf(url)).includes('secret_reloads_total{trigger="sighup",outcome="failure",shop="default"} 1'),
      'the failed reload',
    );
    expect(output()).toContain('SESSION_ENCRYPTION_KEYS (from');
    expect(output()).not.toContain('too-short');
    expect((await guestLogin(url)).status).toBe(200);
    for (const secret of [old, next]) expect(output()).not.toContain(secret);
    await stop(child);
  });

  it('file watch: a rewritten file is picked up without a signal', { timeout: 60_000 }, async () => {
    const { child, url } = await startServer(true);
    const next = `watched-${randomBytes(8).toString('hex')}`;
    emulator.setOptions({ clientSecret: next });
    writeSecret(files.client, next);
    await eventually(async () => (await metricsOf(url)).includes(clientInfo(next)), 'the watched file to be reloaded');
    const from = emulator.state.lastHeaders('guest').length;
    expect((await guestLogin(url)).status).toBe(200);
    expect(secretsSeen(from)).toEqual([next]);
    expect(await metricsOf(url)).toMatch(/secret_reloads_total\{trigger="file",outcome="success",shop="default"\} [1-9]/);
    await stop(child);
  });

  it(
    'invalid_client: SCAYLE refusing the old secret makes the service re-read the file and retry that call once',
    { timeout: 60_000 },
    async () => {
      const { child, url } = await startServer(false);
      const old = TEST_SECRETS.clientSecret;
      const next = `refused-${randomBytes(8).toString('hex')}`;
      emulator.setOptions({ clientSecret: next });
      writeSecret(files.client, next); // no SIGHUP, no watch: only SCAYLE's answer tells the service
      const from = emulator.state.lastHeaders('guest').length;
      expect((await guestLogin(url)).status).toBe(200);
      expect(secretsSeen(from)).toEqual([old, next]);
      const metrics = await metricsOf(url);
      expect(metrics).toContain('secret_reloads_total{trigger="invalid_client",outcome="success",shop="default"} 1');
      expect(metrics).toContain(clientInfo(next));
      await stop(child);
    },
  );
});
