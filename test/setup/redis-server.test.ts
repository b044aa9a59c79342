// The test redis-server never outlives whoever started it: stopped on request, and ended by its watchdog
// when the owning process is SIGKILLed (nothing of the owner runs then, so only the watchdog can do it).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { eventually } from '../helpers/eventually.js';
import { createTestRedis } from '../helpers/redis.js';
import { spawnRedisServer } from './redis-server.js';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('test redis-server', () => {
  it('answers on its own port and is gone once stopped', async () => {
    const server = await spawnRedisServer();
    const client = createTestRedis(`redis://127.0.0.1:${server.port}`);
    try {
      expect(await client.ping()).toBe('PONG');
      // No persistence: nothing is written to disk, nothing survives the run.
      expect(await client.config('GET', 'save')).toEqual(['save', '']);
      expect(await client.config('GET', 'appendonly')).toEqual(['appendonly', 'no']);
    } finally {
      client.disconnect();
    }
    await server.stop();
    expect(alive(server.pid)).toBe(false);
  });

  it('is ended by its watchdog when the process that started it is killed, even while paused', { timeout: 60_000 }, async () => {
    const script = [
      "import { spawnRedisServer } from './test/setup/redis-server.ts';",
      'const server = await spawnRedisServer();',
      // Paused, as an outage test leaves it when interrupted: a stopped process acts on no signal but SIGKILL/SIGCONT.
      "server.signal('SIGSTOP');",
      'console.log(JSON.stringify({ pid: server.pid }));',
      'setInterval(() => undefined, 1000);',
    ].join('\n');
    const owner = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const [line] = (await once(owner.stdout, 'data')) as [Buffer];
    const { pid } = JSON.parse(line.toString()) as { pid: number };
    expect(alive(pid)).toBe(true);

    owner.kill('SIGKILL');
    await eventually(() => !alive(pid), 'the orphaned redis-server to exit');
  });
});
