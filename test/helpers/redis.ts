// Redis for tests: the shared server with a unique key prefix per file (cleaned by prefix, never
// flushed), and private redis-server processes for outage tests.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer, connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';

export function redisUrl(): string {
  return process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
}

/** A key prefix no other test file or run shares, e.g. `test:contract:<uuid>:`. */
export function uniquePrefix(label: string): string {
  return `test:${label}:${randomUUID()}:`;
}

/** A plain client for setup and cleanup (offline queue on, so it can be used before it is ready). */
export function createTestRedis(url = redisUrl()): Redis {
  return new Redis(url, { maxRetriesPerRequest: 1 });
}

/** Deletes every key under `prefix` with SCAN + UNLINK in batches. */
export async function cleanupPrefix(redis: Redis, prefix: string): Promise<number> {
  if (prefix.length === 0) throw new Error('refusing to clean up an empty prefix');
  const pattern = `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`;
  let cursor = '0';
  let deleted = 0;
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
    cursor = next;
    if (batch.length > 0) deleted += await redis.unlink(...batch);
  } while (cursor !== '0');
  return deleted;
}

/** A port that was free a moment ago (listen on 0, read it, close). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port assigned');
  return address.port;
}

// A raw PING over TCP, so probing leaves no client behind.
function pingOnce(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.setTimeout(500);
    let reply = '';
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString();
      if (reply.includes('\r\n')) socket.destroy();
    });
    socket.on('close', () => resolve(reply.startsWith('+PONG')));
    socket.on('timeout', () => socket.destroy());
    socket.on('error', () => socket.destroy());
  });
}

async function waitForPong(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await pingOnce(port))) {
    if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not answer PING`);
    await sleep(25);
  }
}

export interface PrivateRedis {
  url: string;
  port: number;
  /** Graceful stop (SIGTERM), resolves when the process has exited. */
  stop(): Promise<void>;
  /** Abrupt death (SIGKILL), like a crashed or partitioned server. */
  kill(): void;
  /** Stops the server if running and starts a fresh, empty one on the same port. */
  restart(): Promise<void>;
  /** SIGSTOP / SIGCONT: the socket stays open but nothing answers, like a partition or a stuck server. */
  pause(): void;
  resume(): void;
}

/** Spawns its own `redis-server` (no persistence) on a free port and waits until it answers PING. */
export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  const killOnExit = (): void => {
    child?.kill('SIGKILL');
  };
  process.once('exit', killOnExit);

  // Resolves when the last stopped process has exited, so a restart never races the old one for the port.
  let lastExit: Promise<void> = Promise.resolve();

  const start = async (): Promise<void> => {
    await lastExit;
    const proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
      stdio: 'ignore',
    });
    child = proc;
    const exited = new Promise<never>((_, reject) => {
      proc.once('error', reject);
      proc.once('exit', (code) => reject(new Error(`redis-server exited early (code ${code})`)));
    });
    exited.catch(() => undefined);
    await Promise.race([waitForPong(port, 5000), exited]);
  };

  const stopWith = (signal: NodeJS.Signals): Promise<void> => {
    const proc = child;
    child = undefined;
    if (proc && proc.exitCode === null && proc.signalCode === null) {
      const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
      proc.kill(signal);
      lastExit = exited;
    }
    return lastExit;
  };

  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    async stop() {
      child?.kill('SIGCONT');
      await stopWith('SIGTERM');
      process.off('exit', killOnExit);
    },
    kill() {
      void stopWith('SIGKILL');
    },
    async restart() {
      child?.kill('SIGCONT');
      await stopWith('SIGTERM');
      await start();
    },
    pause() {
      child?.kill('SIGSTOP');
    },
    resume() {
      child?.kill('SIGCONT');
    },
  };
}
