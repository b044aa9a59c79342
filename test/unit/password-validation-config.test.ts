// issue 17's variables: the route is configured by both credentials or neither, the allow-list takes IPs
// and CIDRs of both families (matched with IPv4-mapped addresses too), and problems print no value.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createIpAllowList, parseCidrs } from '../../src/http/ip-allow-list.js';
import { problemsOf } from '../helpers/config.js';

const dev = { DEV_MODE: 'true' };

describe('PASSWORD_VALIDATION_*', () => {
  it('leaves the route off when both credentials are unset', () => {
    expect(loadConfig(dev).passwordValidation).toBeUndefined();
  });

  it('refuses to start with only one credential, naming the missing one and no value', () => {
    const onlyUser = problemsOf({ ...dev, PASSWORD_VALIDATION_USERNAME: 'scayle' });
    expect(onlyUser).toEqual([expect.stringMatching(/^PASSWORD_VALIDATION_PASSWORD: /)]);
    const onlyPassword = problemsOf({ ...dev, PASSWORD_VALIDATION_PASSWORD: 'sekret-value' });
    expect(onlyPassword).toEqual([expect.stringMatching(/^PASSWORD_VALIDATION_USERNAME: /)]);
    expect(onlyPassword.join()).not.toContain('sekret-value');
  });

  it('parses the allow-list and the budgets', () => {
    const config = loadConfig({
      ...dev,
      PASSWORD_VALIDATION_USERNAME: 'scayle',
      PASSWORD_VALIDATION_PASSWORD: 'pw',
      PASSWORD_VALIDATION_ALLOWED_IPS: '203.0.113.0/24, 2001:db8::/32,198.51.100.7',
      PASSWORD_VALIDATION_EMAIL_PER_MINUTE: '5',
    });
    expect(config.passwordValidation).toMatchObject({ username: 'scayle', emailPerMinute: 5, callerPerMinute: 6000 });
    expect(config.passwordValidation?.allowedIps).toHaveLength(3);
  });

  it('rejects an allow-list entry that is no address or CIDR', () => {
    for (const bad of ['10.0.0.0/33', 'example.com', '10.0.0.0/8/1', '::1/129', '10.0.0.0/x']) {
      expect(problemsOf({ ...dev, PASSWORD_VALIDATION_ALLOWED_IPS: bad }), bad).toEqual([
        expect.stringMatching(/^PASSWORD_VALIDATION_ALLOWED_IPS: /),
      ]);
    }
  });
});

describe('createIpAllowList', () => {
  const allowed = createIpAllowList(parseCidrs(['203.0.113.0/24', '2001:db8::/32', '127.0.0.1'])!);
  it('matches CIDRs of both families, bare addresses and IPv4-mapped IPv6', () => {
    expect(allowed('203.0.113.200')).toBe(true);
    expect(allowed('::ffff:203.0.113.5')).toBe(true);
    expect(allowed('2001:db8:1::5')).toBe(true);
    expect(allowed('127.0.0.1')).toBe(true);
    expect(allowed('203.0.114.1')).toBe(false);
    expect(allowed('127.0.0.2')).toBe(false);
    expect(allowed('2001:db9::1')).toBe(false);
    expect(allowed('not-an-ip')).toBe(false);
  });
});
