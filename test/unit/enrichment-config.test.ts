// REGISTER_PROFILE_FIELDS and the Admin API variables (issue 17 §4): parsing, the rule that the Admin API is
// required outside dev mode, dev mode's embedded emulator as the Admin API, and the profile field schema.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { loadConfig, withEmbeddedEmulator } from '../../src/config.js';
import { parseProfileFields, pickProfile, profileShape } from '../../src/enrichment/profile-fields.js';
import { adminCustomerPatch } from '../../src/enrichment/admin-client.js';
import { problemsOf } from '../helpers/config.js';

const PROD = {
  SCAYLE_AUTH_BASE_URL: 'https://acme.auth.scayle.cloud',
  SCAYLE_CLIENT_ID: 'id',
  SCAYLE_CLIENT_SECRET: 'secret',
  SCAYLE_SHOP_ID: '1',
  SCAYLE_SHOP_SECRET: 'shop-secret',
  SESSION_ENCRYPTION_KEYS: 'k'.repeat(43),
};
const ADMIN = {
  ADMIN_API_BASE_URL: 'https://acme-live.admin.api.scayle.cloud/api/admin/v1',
  ADMIN_API_TOKEN: 'admin-token',
  ADMIN_API_SHOP_KEY: 'acme',
  ADMIN_API_COUNTRY_CODE: 'DE',
};

describe('REGISTER_PROFILE_FIELDS', () => {
  it('parses name:type entries', () => {
    expect(parseProfileFields(['birth_date:date', 'phone:string'])).toEqual([
      { name: 'birth_date', type: 'date' },
      { name: 'phone', type: 'string' },
    ]);
  });

  it.each([['birthDate:date'], ['phone'], ['phone:int'], ['email:string'], ['a:string:x']])('refuses %s', (entry) => {
    expect(typeof parseProfileFields([entry])).toBe('string');
  });

  it('refuses a field declared twice', () => {
    expect(typeof parseProfileFields(['phone:string', 'phone:string'])).toBe('string');
  });

  it('is off (no enrichment) when unset', () => {
    expect(loadConfig({ DEV_MODE: 'true' }).enrichment).toBeUndefined();
  });

  it('requires the Admin API variables outside dev mode, naming each', () => {
    const problems = problemsOf({ ...PROD, REGISTER_PROFILE_FIELDS: 'phone:string' });
    for (const name of Object.keys(ADMIN))
      expect(
        problems.some((p) => p.startsWith(`${name}:`)),
        name,
      ).toBe(true);
    expect(loadConfig({ ...PROD, ...ADMIN, REGISTER_PROFILE_FIELDS: 'phone:string' }).enrichment?.adminApi).toEqual({
      baseUrl: ADMIN.ADMIN_API_BASE_URL,
      token: 'admin-token',
      shopKey: 'acme',
      countryCode: 'DE',
    });
  });

  it('reports a bad declaration without quoting it', () => {
    const problems = problemsOf({ DEV_MODE: 'true', REGISTER_PROFILE_FIELDS: 'secret_thing:number' });
    expect(problems.join('\n')).toMatch(/^REGISTER_PROFILE_FIELDS: /);
    expect(problems.join('\n')).not.toContain('secret_thing');
  });

  it('points the Admin API at the embedded emulator in dev mode', () => {
    const config = withEmbeddedEmulator(loadConfig({ DEV_MODE: 'true', REGISTER_PROFILE_FIELDS: 'phone:string' }), 'http://127.0.0.1:4010');
    expect(config.enrichment?.adminApi.baseUrl).toBe('http://127.0.0.1:4010/api/admin/v1');
  });
});

describe('profile field schema', () => {
  const now = () => Date.parse('2026-06-15T12:00:00Z');
  const schema = z.strictObject(
    profileShape(
      [
        { name: 'birth_date', type: 'date' },
        { name: 'phone', type: 'string' },
      ],
      now,
    ),
  );

  it.each(['2026-06-14', '2000-02-29', '1900-01-01'])('accepts the past date %s', (birth_date) => {
    expect(schema.safeParse({ birth_date }).success).toBe(true);
  });

  it.each(['2026-06-15', '2026-06-16', '2001-02-29', '2023-04-31', '1990-1-1', '15.06.1990'])('refuses %s', (birth_date) => {
    expect(schema.safeParse({ birth_date }).success).toBe(false);
  });

  it('keeps the fields optional and picks only declared ones', () => {
    expect(schema.safeParse({}).success).toBe(true);
    expect(pickProfile([{ name: 'phone', type: 'string' }], { phone: '+49', email: 'x@example.com' })).toEqual({ phone: '+49' });
  });

  it('maps snake_case names to the Admin API attributes', () => {
    expect(adminCustomerPatch({ birth_date: '1990-01-01', phone: '1' })).toEqual({ birthDate: '1990-01-01', phone: '1' });
  });
});
