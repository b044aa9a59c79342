// Helpers for the account tests (issue 15): customers with several logged-in devices, reading the
// metrics counter of ended sessions, and scanning a stack's Redis keys and values for a secret.
import { expect } from 'vitest';
import { Browser, uniqueEmail } from './http.js';
import { createTestRedis } from './redis.js';

export const PASSWORD = 'correct horse battery';

let ipCounter = 0;
/** A fresh client address per call (stacks run with TRUST_PROXY=true), so IP budgets do not collide. */
export function freshIp(): string {
  ipCounter += 1;
  return `198.51.${100 + Math.floor(ipCounter / 250)}.${(ipCounter % 250) + 1}`;
}

/** A browser whose requests all come from one fresh client address. */
export function browserAt(url: string, ip = freshIp()): Browser {
  const browser = new Browser(url);
  const call = browser.call.bind(browser);
  browser.call = (method, path, options = {}) => call(method, path, { ...options, headers: { 'x-forwarded-for': ip, ...options.headers } });
  return browser;
}

export interface Customer {
  email: string;
  id: string;
  /** One logged-in browser per device, in login order; device i sends user-agent `device-i`. */
  devices: Browser[];
}

/** Registers a customer on `urls[0]` and logs in once more on each following url (one device each). */
export async function customerOn(urls: string[], label = 'account'): Promise<Customer> {
  const email = uniqueEmail(label);
  const first = browserAt(urls[0]!);
  const reg = await first.post(
    '/auth/register',
    { gender: 'f', first_name: 'Ada', last_name: 'Lovelace', email, password: PASSWORD },
    { headers: { 'user-agent': 'device-0' } },
  );
  expect(reg.status, reg.text).toBe(201);
  const devices = [first];
  for (const [i, url] of urls.slice(1).entries()) {
    const device = browserAt(url);
    const login = await device.post('/auth/login', { email, password: PASSWORD }, { headers: { 'user-agent': `device-${i + 1}` } });
    expect(login.status, login.text).toBe(200);
    devices.push(device);
  }
  return { email, id: reg.body.customer.id as string, devices };
}

/** `sessions_ended_total{reason,shop="default"}` as the service's /metrics reports it (0 when absent). */
export async function endedCount(url: string, reason: string): Promise<number> {
  const text = (await new Browser(url).get('/metrics')).text;
  const match = new RegExp(`^sessions_ended_total\\{reason="${reason}",shop="default"\\} (\\d+)`, 'm').exec(text);
  return match ? Number(match[1]) : 0;
}

/** Every key and value under `prefix`, as one string (values raw), for "never stored" checks. */
export async function redisDump(prefix: string): Promise<string> {
  const redis = createTestRedis();
  try {
    const parts: string[] = [];
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      cursor = next;
      for (const key of keys) {
        parts.push(key);
        const type = await redis.type(key);
        if (type === 'string') parts.push((await redis.getBuffer(key))?.toString('latin1') ?? '');
        else if (type === 'hash') parts.push(JSON.stringify(await redis.hgetall(key)));
        else if (type === 'zset') parts.push((await redis.zrange(key, 0, -1)).join(','));
      }
    } while (cursor !== '0');
    return parts.join('\n');
  } finally {
    redis.disconnect();
  }
}
