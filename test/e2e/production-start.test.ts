// The container's runtime stage without a Docker engine: the service compiled with tsc, production
// dependencies installed from the lockfile with the Dockerfile's own `npm ci` line, and started with the
// Dockerfile's CMD. The compiled emulator is deleted first: a production start must never need it.
// Without the SCAYLE variables and keys it refuses to start, naming each; with them it serves /health/live.
import { execFile, spawn, type ChildProcess, type ChildProcessByStdio } from 'node:child_process';
import { once } from 'node:events';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REQUIRED_OUTSIDE_DEV_MODE } from '../../src/config.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));
const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
const runtimeStage = dockerfile.slice(dockerfile.lastIndexOf('FROM '));

/** The Dockerfile's production install (`RUN npm ci --omit=dev ...`), word for word. */
const npmCiArgs = /^RUN npm (ci --omit=dev.*)$/m.exec(dockerfile)![1]!.split(/\s+/);
/** The runtime stage's CMD, e.g. ["node", "dist/server.js"]. */
const command = JSON.parse(/^CMD (\[.*\])$/m.exec(runtimeStage)![1]!) as string[];
/** The runtime stage's ENV (NODE_ENV, PORT, HOST). */
const envInstruction = /^ENV ((?:.*\\\n)*.*)$/m.exec(runtimeStage)![1]!;
const imageEnv = Object.fromEntries([...envInstruction.matchAll(/\b([A-Z_]+)=(\S+)/g)].map((m) => [m[1]!, m[2]!]));

let scratch: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'bff-production-'));
  await cp(join(root, 'package.json'), join(scratch, 'package.json'));
  await cp(join(root, 'package-lock.json'), join(scratch, 'package-lock.json'));
  // Compile and install side by side (the slow steps; neither needs the other).
  // --prefer-offline only spares the network where npm's cache already has the tarballs.
  const tsc = join(root, 'node_modules/typescript/bin/tsc');
  await Promise.all([
    run(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--outDir', join(scratch, 'dist')], { cwd: root }),
    run('npm', [...npmCiArgs, '--prefer-offline'], { cwd: scratch, maxBuffer: 16 * 1024 * 1024 }),
  ]);
  await rm(join(scratch, 'dist/emulator'), { recursive: true });
}, 180_000);

afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

interface Started {
  child: ChildProcessByStdio<null, Readable, Readable>;
  stdout: () => string;
  stderr: () => string;
}

/** Runs the image's CMD in the scratch copy with the image's ENV plus `env` (nothing else inherited but PATH). */
function start(env: Record<string, string>): Started {
  const [program, ...args] = command;
  const child = spawn(program === 'node' ? process.execPath : program!, args, {
    cwd: scratch,
    env: { PATH: process.env.PATH, ...imageEnv, PORT: '0', HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return { child, stdout: () => stdout, stderr: () => stderr };
}

async function exitCode(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  const [code] = (await once(child, 'exit')) as [number | null];
  return code;
}

/** Resolves with the URL the service logs once it listens; rejects if it exits first. */
async function listening(started: Started): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const check = () => {
      const match = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(started.stdout());
      if (match) resolve(match[1]!);
    };
    started.child.stdout.on('data', check);
    started.child.once('exit', (code) => reject(new Error(`exited with ${code}: ${started.stderr()}${started.stdout()}`)));
    check();
  });
}

/** A local port nothing listens on: SCAYLE is unreachable, which a liveness check must not care about. */
async function closedPort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

// Generous: three node start-ups on a loaded 2-core machine; nothing here waits on a timer.
describe('production start (the container runtime stage)', { timeout: 60_000 }, () => {
  it('refuses to start without the SCAYLE variables and keys, naming every one and printing no secret', async () => {
    const started = start({ REDIS_URL: 'redis://:redis-password-do-not-print@127.0.0.1:9' });
    expect(await exitCode(started.child)).toBe(1);
    const stderr = started.stderr();
    expect(stderr).toContain('Invalid configuration');
    for (const name of REQUIRED_OUTSIDE_DEV_MODE) expect(stderr).toContain(`${name}: required`);
    expect(stderr).not.toContain('redis-password-do-not-print');
    expect(started.stdout()).toBe('');
  });

  it('with them serves GET /health/live without the emulator on disk, and exits 0 on SIGTERM', async () => {
    const started = start({
      SCAYLE_AUTH_BASE_URL: `http://127.0.0.1:${await closedPort()}`,
      SCAYLE_CLIENT_ID: 'client',
      SCAYLE_CLIENT_SECRET: 'client-secret-0123456789',
      SCAYLE_SHOP_ID: '7',
      SCAYLE_SHOP_SECRET: 'shop-secret-0123456789',
      SESSION_ENCRYPTION_KEYS: 'k'.repeat(43),
      // The password validation route preloads the native hash addons: a prebuild that crashes Node fails here.
      PASSWORD_VALIDATION_USERNAME: 'scayle',
      PASSWORD_VALIDATION_PASSWORD: 'validation-password-0123456789',
    });
    const url = await listening(started);
    const res = await fetch(`${url}/health/live`);
    expect(res.status).toBe(200);
    const exited = exitCode(started.child);
    started.child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('loads the emulator only in dev mode (DEV_MODE=true fails here, where it was deleted)', async () => {
    const started = start({ DEV_MODE: 'true' });
    expect(await exitCode(started.child)).not.toBe(0);
    expect(started.stderr()).toMatch(
      /ERR_MODULE_NOT_FOUND[\s\S]*dist\/emulator\/index\.js|dist\/emulator\/index\.js[\s\S]*ERR_MODULE_NOT_FOUND/,
    );
  });
});
