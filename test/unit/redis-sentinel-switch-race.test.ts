// ioredis 5's Sentinel failover detector against a reconnect under way: a +switch-master that arrives while
// the client is asking a sentinel where the primary is aborts that connect attempt, and ioredis then ends
// the client for good (status 'end': every request a 503 until a restart). That is what failed the
// Sentinel failover test once in CI; here a fake sentinel holds its answer so the message lands in that
// window every time. The data node is the run's private redis-server.
import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createRedisClient } from '../../src/redis/connection.js';
import { closeRedis, waitForRedis } from '../../src/redis/lifecycle.js';
import { eventually } from '../helpers/eventually.js';
import { createTestRedis, redisUrl } from '../helpers/redis.js';

const NAME = 'race-primary';

function bulk(value: string): string {
  return `$${Buffer.byteLength(value)}\r\n${value}\r\n`;
}

/** Every complete RESP command (an array of bulk strings) at the start of `buffer`, and what is left. */
function parseCommands(buffer: string): { commands: string[][]; rest: string } {
  const commands: string[][] = [];
  let at = 0;
  for (;;) {
    const header = /^\*(\d+)\r\n/.exec(buffer.slice(at));
    if (!header) break;
    let pos = at + header[0].length;
    const args: string[] = [];
    for (let i = 0; i < Number(header[1]); i += 1) {
      const len = /^\$(\d+)\r\n/.exec(buffer.slice(pos));
      if (!len || buffer.length < pos + len[0].length + Number(len[1]) + 2) return { commands, rest: buffer.slice(at) };
      pos += len[0].length;
      args.push(buffer.slice(pos, pos + Number(len[1])));
      pos += Number(len[1]) + 2;
    }
    commands.push(args);
    at = pos;
  }
  return { commands, rest: buffer.slice(at) };
}

/** Just enough of a sentinel for ioredis: the primary's address (held back on demand) and +switch-master. */
class FakeSentinel {
  readonly subscribers = new Set<Socket>();
  private readonly sockets = new Set<Socket>();
  readonly heldLookups: Array<() => void> = [];
  holdLookups = false;
  private readonly server: Server;

  constructor(private readonly primary: { host: string; port: number }) {
    this.server = createServer((socket) => {
      let buffer = '';
      this.sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => {
        this.sockets.delete(socket);
        this.subscribers.delete(socket);
      });
      socket.on('data', (chunk) => {
        const parsed = parseCommands(buffer + chunk.toString());
        buffer = parsed.rest;
        for (const args of parsed.commands) this.answer(socket, args);
      });
    });
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return (this.server.address() as { port: number }).port;
  }

  publishSwitch(): void {
    const message = `${NAME} 127.0.0.1 1 ${this.primary.host} ${this.primary.port}`;
    for (const socket of this.subscribers) socket.write(`*3\r\n${bulk('message')}${bulk('+switch-master')}${bulk(message)}`);
  }

  close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private answer(socket: Socket, [command, sub]: string[]): void {
    const name = command!.toLowerCase();
    if (name === 'subscribe') {
      this.subscribers.add(socket);
      socket.write(`*3\r\n${bulk('subscribe')}${bulk(sub!)}:1\r\n`);
    } else if (name === 'sentinel' && sub!.toLowerCase() === 'get-master-addr-by-name') {
      const reply = () => socket.write(`*2\r\n${bulk(this.primary.host)}${bulk(String(this.primary.port))}`);
      if (this.holdLookups) this.heldLookups.push(reply);
      else reply();
    } else if (name === 'sentinel') {
      socket.write('*0\r\n'); // SENTINEL SENTINELS: no others
    } else {
      socket.write('+OK\r\n'); // CLIENT SETINFO and the like
    }
  }
}

let cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup = [];
});

/** Waits for the client's status; a timeout says which it has. */
function untilStatus(client: { status: string }, status: 'ready' | 'end'): Promise<void> {
  return eventually(
    () => client.status === status,
    `the client ${status}`,
    10_000,
    50,
    () => `status ${client.status}`,
  );
}

describe('a Sentinel client whose reconnect meets a +switch-master', () => {
  it('connects again instead of ending for good', async () => {
    const data = new URL(redisUrl());
    const sentinel = new FakeSentinel({ host: data.hostname, port: Number(data.port) });
    const port = await sentinel.listen();
    cleanup.push(() => sentinel.close());
    const client = createRedisClient({ kind: 'sentinel', sentinels: [{ host: '127.0.0.1', port }], name: NAME });
    cleanup.push(() => closeRedis(client));
    const admin = createTestRedis();
    cleanup.push(() => admin.quit());
    let ended = false;
    client.on('end', () => (ended = true));
    client.on('error', () => undefined);

    await waitForRedis(client, 5000);
    await eventually(() => sentinel.subscribers.size > 0, 'the failover detector subscribed');
    // The connection drops (as when the primary dies); the reconnect asks the sentinel, which holds its answer.
    sentinel.holdLookups = true;
    await admin.client('KILL', 'ID', String(await client.client('ID')));
    await eventually(() => sentinel.heldLookups.length > 0, 'the reconnect asking the sentinel');
    // The sentinels switch the primary meanwhile: the detector aborts the attempt (it closes its subscriptions).
    sentinel.publishSwitch();
    await eventually(() => sentinel.subscribers.size === 0, 'the detector reacting to +switch-master');
    sentinel.holdLookups = false;
    for (const reply of sentinel.heldLookups.splice(0)) reply();

    await untilStatus(client, 'ready');
    expect(await client.ping()).toBe('PONG');
    // The race did happen: ioredis ended the client once.
    expect(ended).toBe(true);
  });

  it('stays closed when its owner closes it while it asks a sentinel', async () => {
    const data = new URL(redisUrl());
    const sentinel = new FakeSentinel({ host: data.hostname, port: Number(data.port) });
    const port = await sentinel.listen();
    cleanup.push(() => sentinel.close());
    sentinel.holdLookups = true;
    const client = createRedisClient({ kind: 'sentinel', sentinels: [{ host: '127.0.0.1', port }], name: NAME });
    cleanup.push(() => closeRedis(client));
    client.on('error', () => undefined);
    await eventually(() => sentinel.heldLookups.length > 0, 'the first connect asking the sentinel');

    await closeRedis(client);
    for (const reply of sentinel.heldLookups.splice(0)) reply();
    // A revived client would be 'connecting' again before any timer runs, so a poll that sees 'end' settles it.
    await untilStatus(client, 'end');
    await new Promise((resolve) => setImmediate(resolve));
    expect(client.status).toBe('end');
  });
});
