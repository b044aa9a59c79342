// A redis-server process (no persistence, 127.0.0.1 only) that cannot outlive the process that started it:
// it runs under a small sh watchdog reading our stdin pipe, and the pipe closes however we end (teardown,
// Ctrl-C, a crash, SIGKILL), at which point the watchdog terminates the server.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { connect, createServer, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

// $! is the server itself, so the caller can signal it (SIGKILL, SIGSTOP) directly. Background jobs of a
// non-interactive sh get /dev/null as stdin, so the watcher reads our pipe as fd 3; its SIGCONT lets a
// server paused by an outage test act on the SIGTERM. sh exits with the server, so the child's 'exit'
// event is the server's.
const WATCHDOG = [
  'exec 3<&0',
  'redis-server "$@" 3<&- &',
  'server=$!',
  'echo "redis-server pid $server"',
  '(cat <&3 >/dev/null; kill -TERM "$server" 2>/dev/null; kill -CONT "$server" 2>/dev/null) &',
  'exec 3<&-',
  'wait "$server"',
].join('\n');

export interface RedisProcess {
  port: number;
  /** The redis-server's own pid (not the watchdog's). */
  pid: number;
  /** Resolves when the server has exited, however it ended. */
  exited: Promise<void>;
  /** SIGTERM via the watchdog (SIGCONT first, if paused; SIGKILL after 10 s); resolves once the server has exited. */
  stop(): Promise<void>;
  /** Sends a signal to the server itself (SIGKILL, SIGSTOP, SIGCONT). */
  signal(signal: NodeJS.Signals): void;
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
    // A server with requirepass answers -NOAUTH: it is up all the same.
    socket.on('close', () => resolve(reply.startsWith('+PONG') || reply.startsWith('-NOAUTH')));
    socket.on('timeout', () => socket.destroy());
    socket.on('error', () => socket.destroy());
  });
}

async function waitForPong(port: number, timeoutMs: number, gone: () => boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await pingOnce(port))) {
    if (gone()) throw new Error('redis-server exited before answering PING');
    if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not answer PING within ${timeoutMs} ms`);
    await sleep(25);
  }
}

/** More than a plain server: a Cluster node, a replica, a sentinel (issue 18's topology tests). */
export interface RedisServerOptions {
  /** A config file, passed first (a sentinel needs one it can rewrite). */
  configFile?: string;
  /** Further `--name value` arguments, after the defaults (127.0.0.1 only, no persistence). */
  args?: string[];
}

/**
 * Starts redis-server on `port` (a free one if omitted) and resolves once it answers PING. The error of a
 * failed start carries the server's own log lines.
 */
export async function spawnRedisServer(port?: number, options: RedisServerOptions = {}): Promise<RedisProcess> {
  if (port !== undefined) return spawnOn(port, options);
  // A free port can be taken by someone else before the server binds it: try another.
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await spawnOn(await freePort(), options);
    } catch (error) {
      if (attempt === 3 || !/address already in use/i.test((error as Error).message)) throw error;
    }
  }
}

async function spawnOn(chosen: number, options: RedisServerOptions): Promise<RedisProcess> {
  const args = [
    ...(options.configFile === undefined ? [] : [options.configFile]),
    ...['--port', String(chosen), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--loglevel', 'warning'],
    ...(options.args ?? []),
  ];
  const child = spawn('sh', ['-c', WATCHDOG, 'redis-watchdog', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stdin.on('error', () => undefined);
  // Never what keeps a process alive: the watchdog ends the server when this process goes, however it goes.
  child.unref();
  for (const stream of [child.stdin, child.stdout, child.stderr]) (stream as unknown as Socket).unref();
  let gone = false;
  const onExit = (): void => {
    gone = true;
    // Lets the watcher (still reading the pipe) see end-of-file and exit too.
    child.stdin.destroy();
  };
  // once() rejects on 'error' (sh could not be spawned): that also leaves nothing to stop.
  const exited = once(child, 'exit').then(onExit, onExit);
  const stop = async (): Promise<void> => {
    // Whoever waits for the exit keeps the process alive until it happens.
    child.ref();
    if (!gone) {
      signal('SIGCONT');
      child.stdin.end();
    }
    // A server that ignores SIGTERM must not hang the run's teardown.
    const timer = setTimeout(() => signal('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  let pid = 0;
  const signal = (name: NodeJS.Signals): void => {
    if (pid === 0 || gone) return;
    try {
      process.kill(pid, name);
    } catch (error) {
      // Already dead (SIGKILLed a moment ago) but not yet reaped: nothing left to signal.
      if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
    }
  };
  try {
    await waitForPong(chosen, 10_000, () => gone);
    pid = Number(/^redis-server pid (\d+)$/m.exec(output)?.[1] ?? 0);
    if (pid === 0) throw new Error('the watchdog did not report the server pid');
  } catch (error) {
    await stop();
    const log = output.trim().split('\n').slice(-5).join('\n');
    throw new Error(`${(error as Error).message}${log ? `:\n${log}` : ''}`, { cause: error });
  }
  return { port: chosen, pid, exited, stop, signal };
}
