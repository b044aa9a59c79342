// The Redis topology variables: one of REDIS_URL, REDIS_CLUSTER_NODES and REDIS_SENTINELS (+ name), the
// variables that belong to one of them, host:port parsing, and no value ever in a problem.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { parseHostPorts } from '../../src/redis/target.js';
import { problemsOf } from '../helpers/config.js';

const dev = { DEV_MODE: 'true' };

describe('Redis configuration', () => {
  it('describes one node by URL, a Cluster by seeds, or Sentinel by sentinels and name', () => {
    expect(loadConfig({ ...dev, REDIS_URL: 'rediss://bff:pw@redis:6380' }).redis).toEqual({
      target: { kind: 'url', url: 'rediss://bff:pw@redis:6380' },
      keyPrefix: 'bff:',
    });
    expect(
      loadConfig({ ...dev, REDIS_CLUSTER_NODES: 'r1:7000, r2:7001,[::1]:7002', REDIS_USERNAME: 'bff', REDIS_PASSWORD: 'pw' }).redis?.target,
    ).toEqual({
      kind: 'cluster',
      nodes: [
        { host: 'r1', port: 7000 },
        { host: 'r2', port: 7001 },
        { host: '::1', port: 7002 },
      ],
      username: 'bff',
      password: 'pw',
    });
    expect(
      loadConfig({ ...dev, REDIS_SENTINELS: 's1:26379,s2:26379', REDIS_SENTINEL_NAME: 'bff-primary', REDIS_SENTINEL_PASSWORD: 'spw' }).redis
        ?.target,
    ).toEqual({
      kind: 'sentinel',
      sentinels: [
        { host: 's1', port: 26379 },
        { host: 's2', port: 26379 },
      ],
      name: 'bff-primary',
      sentinelPassword: 'spw',
      username: undefined,
      password: undefined,
    });
    expect(loadConfig(dev).redis).toBeUndefined();
  });

  it('refuses more than one topology, naming the extra ones', () => {
    const problems = problemsOf({
      ...dev,
      REDIS_URL: 'redis://r:6379',
      REDIS_CLUSTER_NODES: 'r:7000',
      REDIS_SENTINELS: 's:26379',
      REDIS_SENTINEL_NAME: 'p',
    });
    expect(problems.map((p) => p.split(':')[0]).sort()).toEqual(['REDIS_CLUSTER_NODES', 'REDIS_SENTINELS']);
  });

  it('requires the sentinel name with sentinels, and refuses sentinel or node credentials where they do nothing', () => {
    expect(problemsOf({ ...dev, REDIS_SENTINELS: 's:26379' })).toEqual([expect.stringMatching(/^REDIS_SENTINEL_NAME: required/)]);
    const stray = problemsOf({
      ...dev,
      REDIS_URL: 'redis://r:6379',
      REDIS_SENTINEL_NAME: 'p',
      REDIS_SENTINEL_PASSWORD: 'x',
      REDIS_PASSWORD: 'y',
    });
    expect(stray.map((p) => p.split(':')[0]).sort()).toEqual(['REDIS_PASSWORD', 'REDIS_SENTINEL_NAME', 'REDIS_SENTINEL_PASSWORD']);
    expect(problemsOf({ ...dev, REDIS_CLUSTER_NODES: 'r:7000', REDIS_USERNAME: 'bff' })).toEqual([
      expect.stringMatching(/^REDIS_PASSWORD: required with REDIS_USERNAME/),
    ]);
  });

  it('rejects malformed host:port lists without echoing them', () => {
    for (const value of ['r', 'r:0', 'r:70000', 'redis://r:7000', ' , ', 'a b:1']) {
      const problems = problemsOf({ ...dev, REDIS_CLUSTER_NODES: value });
      expect(problems, value).toEqual([expect.stringMatching(/^REDIS_CLUSTER_NODES: /)]);
    }
    expect(problemsOf({ ...dev, REDIS_SENTINELS: 'secret-host-name' }).join()).not.toContain('secret-host-name');
    expect(parseHostPorts([])).toBeUndefined();
  });

  it('never prints a Redis password in a problem', () => {
    const problems = problemsOf({
      ...dev,
      REDIS_URL: 'redis://r:6379',
      REDIS_PASSWORD: 'do-not-print-me',
      REDIS_SENTINEL_PASSWORD: 'nor-me',
    });
    expect(problems.join('\n')).not.toMatch(/do-not-print-me|nor-me/);
  });
});
