// The hot path's small helpers (issue 20): the per-request logger exists only once something is logged and
// then writes what Fastify's own child would; deadline strings come from a bounded cache and equal Date's.
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { isoTime } from '../../src/http/iso-time.js';
import { lazyChildLogger } from '../../src/http/lazy-logger.js';

function capture() {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { lines, logger: pino({ level: 'info' }, stream) };
}

describe('lazy request logger', () => {
  it('creates no pino child until a line is written, then writes with the request bindings', () => {
    const { lines, logger } = capture();
    let children = 0;
    const parent = Object.assign(Object.create(logger) as typeof logger, {
      child: (...args: Parameters<typeof logger.child>) => {
        children += 1;
        return logger.child(...args);
      },
    });
    const log = lazyChildLogger(parent, { reqId: 'req-1' }, {});
    expect(log.level).toBe('info');
    log.debug('below the level');
    expect(children).toBe(1);
    log.info({ code: 'X' }, 'request rejected');
    log.warn('plain message');
    expect(children).toBe(1);
    expect(lines).toEqual([
      expect.objectContaining({ reqId: 'req-1', code: 'X', msg: 'request rejected', level: 30 }),
      expect.objectContaining({ reqId: 'req-1', msg: 'plain message', level: 40 }),
    ]);
  });

  it('never builds a child for a request that logs nothing', () => {
    const { logger } = capture();
    const child = (): never => {
      throw new Error('child built');
    };
    const parent = Object.assign(Object.create(logger) as typeof logger, { child });
    const log = lazyChildLogger(parent, { reqId: 'req-2' }, {});
    expect(log.level).toBe('info');
    expect(typeof log.child).toBe('function');
  });
});

describe('isoTime', () => {
  it('formats like Date#toISOString, from the cache on repeats', () => {
    for (const ms of [0, 1_764_028_800_123, 1_764_028_800_123, Date.now()]) expect(isoTime(ms)).toBe(new Date(ms).toISOString());
  });

  it('stays correct past its bound', () => {
    const base = 1_764_028_800_000;
    for (let i = 0; i < 25_000; i += 1) isoTime(base + i);
    expect(isoTime(base + 7)).toBe(new Date(base + 7).toISOString());
  });
});
