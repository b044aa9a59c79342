// Configuration: defaults, dev mode only on DEV_MODE=true, every problem reported at once without values,
// cross-variable rules, allow-list parsing, and .env.example kept in step with the schema.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES, loadConfig, REQUIRED_OUTSIDE_DEV_MODE } from '../../src/config.js';
import { problemsOf } from '../helpers/config.js';

const production = {
  SCAYLE_AUTH_BASE_URL: 'https://acme-live.auth.scayle.cloud',
  SCAYLE_CLIENT_ID: 'client',
  SCAYLE_CLIENT_SECRET: 'super-secret-client-value',
  SCAYLE_SHOP_ID: '139',
  SCAYLE_SHOP_SECRET: 'shop-secret-value',
  SESSION_ENCRYPTION_KEYS: 'k'.repeat(40),
};

describe('loadConfig', () => {
  it('runs in dev mode with defaults when only DEV_MODE=true is set', () => {
    const config = loadConfig({ DEV_MODE: 'true' });
    expect(config.devMode).toBe(true);
    expect(config.scayle.baseUrl).toBeUndefined();
    expect(config.port).toBe(3000);
    expect(config.redis).toBeUndefined();
    expect(config.session.cookieName).toBe('bff_session');
    expect(config.session.encryptionKeysGenerated).toBe(true);
    expect(config.session.encryptionKeys[0]!.length).toBeGreaterThanOrEqual(32);
  });

  it('refuses to start without DEV_MODE=true, naming every missing variable in one report', () => {
    for (const env of [{}, { DEV_MODE: 'false' }, { DEV_MODE: '0' }] as Record<string, string>[]) {
      const problems = problemsOf(env);
      expect(problems.map((p) => p.split(':')[0]).sort()).toEqual([...REQUIRED_OUTSIDE_DEV_MODE].sort());
    }
  });

  it('treats empty values as unset, as compose and .env templates write them', () => {
    expect(loadConfig({ DEV_MODE: 'true', REDIS_URL: '', SCAYLE_AUTH_BASE_URL: '  ' }).devMode).toBe(true);
    expect(problemsOf({ ...production, SCAYLE_AUTH_BASE_URL: '' }).join()).toContain('SCAYLE_AUTH_BASE_URL');
  });

  it('reads DEV_MODE with z.stringbool, and an invalid DEV_MODE counts as unset (everything required)', () => {
    expect(loadConfig({ DEV_MODE: 'yes' }).devMode).toBe(true);
    const problems = problemsOf({ DEV_MODE: 'perhaps' });
    expect(problems.map((p) => p.split(':')[0]).sort()).toEqual(['DEV_MODE', ...REQUIRED_OUTSIDE_DEV_MODE].sort());
  });

  it('with DEV_MODE=true and a base URL talks to that upstream, with every secret still required', () => {
    const problems = problemsOf({ DEV_MODE: 'true', SCAYLE_AUTH_BASE_URL: 'https://acme-live.auth.scayle.cloud' });
    expect(problems.map((p) => p.split(':')[0]).sort()).toEqual(
      REQUIRED_OUTSIDE_DEV_MODE.filter((n) => n !== 'SCAYLE_AUTH_BASE_URL').sort(),
    );
    const config = loadConfig({ ...production, DEV_MODE: 'true' });
    expect(config.devMode).toBe(false);
    expect(config.session.encryptionKeysGenerated).toBe(false);
  });

  it('parses a production configuration', () => {
    const config = loadConfig({
      ...production,
      REDIS_URL: 'redis://:pw@redis:6379',
      SESSION_COOKIE_SECURE: 'true',
      CLIENT_KEYS: 'ios-app-7f3a=token, web=cookie',
      ALLOWED_ORIGINS: 'https://shop.example, https://www.shop.example/',
      LOGOUT_CALLBACK_URLS: 'https://shop.example/logged-out?x=1',
      TRUST_PROXY: '2',
    });
    expect(config.devMode).toBe(false);
    expect(config.scayle).toMatchObject({ shopId: 139, clientKey: 'client' });
    expect(config.session.cookieName).toBe('__Host-bff_session');
    expect(config.clientKeys.get('ios-app-7f3a')).toBe('token');
    expect(config.allowedOrigins).toEqual(['https://shop.example', 'https://www.shop.example']);
    expect(config.logoutCallbackUrls).toEqual(['https://shop.example/logged-out']);
    expect(typeof config.trustProxy).toBe('function');
  });

  it('names every offending variable at once and prints no value', () => {
    const problems = problemsOf({
      SCAYLE_AUTH_BASE_URL: 'https://acme-live.auth.scayle.cloud',
      SCAYLE_CLIENT_SECRET: 'super-secret-client-value',
      PORT: 'eighty',
      SESSION_ENCRYPTION_KEYS: 'too-short-secret-value',
      CLIENT_KEYS: 'app=sometimes',
      PASSWORD_RESET_URL: 'https://shop.example/reset',
    });
    const text = problems.join('\n');
    for (const name of ['PORT', 'PASSWORD_RESET_URL']) expect(text).toContain(name);
    expect(text).not.toContain('super-secret-client-value');
    expect(text).not.toContain('eighty');
    expect(text).not.toContain('too-short-secret-value');
  });

  it('reports field problems and cross-variable problems in the same run', () => {
    const problems = problemsOf({ SESSION_COOKIE_SECURE: 'sometimes', PORT: '80.5', SCAYLE_SHOP_ID: 'x', SESSION_COOKIE_NAME: '__Host-s' });
    const names = problems.map((p) => p.split(':')[0]);
    for (const name of ['SESSION_COOKIE_SECURE', 'PORT', 'SCAYLE_SHOP_ID', 'SESSION_COOKIE_NAME', 'SCAYLE_AUTH_BASE_URL']) {
      expect(names).toContain(name);
    }
    expect(problems.join('\n')).not.toContain('sometimes');
  });

  it('requires credentials and keys outside dev mode, naming each', () => {
    const problems = problemsOf({ SCAYLE_AUTH_BASE_URL: 'https://acme-live.auth.scayle.cloud' });
    const text = problems.join('\n');
    for (const name of ['SCAYLE_CLIENT_ID', 'SCAYLE_CLIENT_SECRET', 'SCAYLE_SHOP_ID', 'SCAYLE_SHOP_SECRET', 'SESSION_ENCRYPTION_KEYS']) {
      expect(text).toContain(name);
    }
  });

  it('rejects allow-list entries that are not absolute URLs, and origins with paths', () => {
    expect(problemsOf({ ...production, LOGOUT_CALLBACK_URLS: '/relative' })).toEqual([
      'LOGOUT_CALLBACK_URLS: every entry must be an absolute http(s) URL',
    ]);
    expect(problemsOf({ ...production, ALLOWED_ORIGINS: 'https://shop.example/path' })).toEqual([
      'ALLOWED_ORIGINS: every entry must be an origin like https://shop.example',
    ]);
    expect(problemsOf({ ...production, CLIENT_KEYS: 'web=cookie,app' })).toEqual(['CLIENT_KEYS: entries must be key=cookie or key=token']);
  });

  it('requires PUBLIC_BASE_URL once social providers are set (dev mode falls back to the request origin)', () => {
    const social = { ...production, SOCIAL_PROVIDERS: 'google' };
    expect(problemsOf(social)).toEqual(['PUBLIC_BASE_URL: required when SOCIAL_PROVIDERS is set']);
    expect(loadConfig({ ...social, PUBLIC_BASE_URL: 'https://auth.shop.example' }).socialProviders).toEqual(['google']);
    expect(loadConfig({ DEV_MODE: 'true', SOCIAL_PROVIDERS: 'google' }).publicBaseUrl).toBeUndefined();
    expect(problemsOf({ DEV_MODE: 'true', SOCIAL_PROVIDERS: 'google,callback' }).join()).toContain('SOCIAL_PROVIDERS');
    expect(problemsOf({ DEV_MODE: 'true', SOCIAL_PROVIDERS: 'a/b' }).join()).toContain('SOCIAL_PROVIDERS');
    expect(loadConfig({ DEV_MODE: 'true' }).rateLimit.clientKeyPerMinute).toBe(3000);
  });

  it('rejects an absolute lifetime shorter than the idle timeout', () => {
    expect(problemsOf({ ...production, SESSION_IDLE_TTL_SECONDS: '100', SESSION_ABSOLUTE_TTL_SECONDS: '50' })).toEqual([
      'SESSION_ABSOLUTE_TTL_SECONDS: must not be shorter than SESSION_IDLE_TTL_SECONDS',
    ]);
  });

  it('accepts the __Host- and __Secure- cookie name prefixes only with SESSION_COOKIE_SECURE=true', () => {
    for (const name of ['__Host-sid', '__Secure-sid', '__host-sid']) {
      expect(problemsOf({ ...production, SESSION_COOKIE_NAME: name })).toEqual([
        'SESSION_COOKIE_NAME: the __Host- and __Secure- prefixes require SESSION_COOKIE_SECURE=true',
      ]);
      expect(problemsOf({ ...production, SESSION_COOKIE_NAME: name, SESSION_COOKIE_SECURE: 'false' })).toHaveLength(1);
      expect(loadConfig({ ...production, SESSION_COOKIE_NAME: name, SESSION_COOKIE_SECURE: 'true' }).session.cookieName).toBe(name);
    }
    expect(loadConfig({ ...production, SESSION_COOKIE_NAME: 'sid' }).session.cookieSecure).toBe(false);
  });
});

// --- issue 18 ---
describe('SESSION_KEY_USAGE_SCAN_SECONDS', () => {
  it('is off by default, and when on, no faster than once a minute', () => {
    expect(loadConfig(production).session.keyUsageScanSeconds).toBe(0);
    expect(loadConfig({ ...production, SESSION_KEY_USAGE_SCAN_SECONDS: '300' }).session.keyUsageScanSeconds).toBe(300);
    expect(problemsOf({ ...production, SESSION_KEY_USAGE_SCAN_SECONDS: '30' })).toHaveLength(1);
  });
});
// --- end issue 18 ---

describe('.env.example', () => {
  it('lists exactly the variables the config reads, each with a comment', () => {
    const text = readFileSync(new URL('../../.env.example', import.meta.url), 'utf8');
    const listed = [...text.matchAll(/^([A-Z0-9_]+)=/gm)].map((m) => m[1]).sort();
    expect(listed).toEqual(CONFIG_VARIABLES.map((v) => v.name).sort());
    for (const variable of CONFIG_VARIABLES) expect(variable.description, variable.name).toBeTruthy();
  });
});
