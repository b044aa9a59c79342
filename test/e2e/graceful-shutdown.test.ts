// Graceful shutdown of the real server process: SIGTERM while a request is in flight lets that request
// finish, then the process exits 0. The request is held at the emulator until the server has logged that
// it is closing, so the order of events is certain rather than timed.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { eventually } from '../helpers/eventually.js';
import { Browser, uniqueEmail } from '../helpers/http.js';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js';
import { TEST_SECRETS } from '../helpers/stack.js';

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator({
    clientId: TEST_SECRETS.clientId,
    clientSecret: TEST_SECRETS.clientSecret,
    shopId: 7,
    shopSecret: TEST_SECRETS.shopSecret,
  });
});
afterAll(async () => {
  await emulator.close();
});

/** Starts src/server.ts as ops would (env only) and resolves with its URL once it listens. */
function startServer(): Promise<ServerProcess> {
  return startServerProcess({
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    // The held request must not time out upstream before the test lets it go.
    UPSTREAM_TIMEOUT_MS: '60000',
    SCAYLE_AUTH_BASE_URL: emulator.url,
    SCAYLE_CLIENT_ID: TEST_SECRETS.clientId,
    SCAYLE_CLIENT_SECRET: TEST_SECRETS.clientSecret,
    SCAYLE_SHOP_ID: '7',
    SCAYLE_SHOP_SECRET: TEST_SECRETS.shopSecret,
    SESSION_ENCRYPTION_KEYS: randomBytes(32).toString('base64url'),
  });
}

describe('graceful shutdown', () => {
  it('finishes an in-flight request after SIGTERM and exits 0', { timeout: 60_000 }, async () => {
    const { child, url, output } = await startServer();
    // Held at SCAYLE until released below (the delay itself is never reached).
    emulator.faults.add({ endpoint: 'guest', delayMs: 60_000, times: 1 });
    const before = emulator.state.calls('guest');
    const inFlight = new Browser(url).post('/auth/login/guest', { gender: 'f', first_name: 'A', last_name: 'B', email: uniqueEmail() });
    await eventually(() => emulator.state.calls('guest') > before, 'the login to reach the emulator');
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    await eventually(() => output().includes('"msg":"closing"'), 'the server to start closing');
    emulator.faults.wakeAll();
    const res = await inFlight;
    expect(res.status).toBe(200);
    const [code] = (await exited) as [number | null];
    expect(code).toBe(0);
  });

  it('refuses to start with a bad configuration, naming the variable and no secret', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
      env: { PATH: process.env.PATH, SCAYLE_AUTH_BASE_URL: emulator.url, SCAYLE_CLIENT_SECRET: 'do-not-print-me-0123', PORT: 'abc' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(1);
    expect(stderr).toContain('PORT');
    expect(stderr).toContain('SCAYLE_SHOP_ID');
    expect(stderr).not.toContain('do-not-print-me-0123');
  });
});
