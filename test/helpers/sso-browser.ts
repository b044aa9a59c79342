// Walking SCAYLE's SSO redirect chain like a browser would: the BFF's answers go through a Browser (its
// cookie jar), the emulator's (SCAYLE and the fake IdP, which set no cookies) through plain requests,
// and the IdP's login form is submitted as a browser submits it. Split in steps so tests can interleave
// several tabs of one browser.
import { request } from 'undici';
import { expect } from 'vitest';
import type { Browser, Reply } from './http.js';

export interface Hop {
  status: number;
  location: string | undefined;
  text: string;
}

async function plain(method: 'GET' | 'POST', url: string, form?: URLSearchParams): Promise<Hop> {
  const res = await request(url, {
    method,
    ...(form ? { body: form.toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } } : {}),
  });
  const location = res.headers.location;
  return {
    status: res.statusCode,
    location: location === undefined ? undefined : new URL(String(location), url).toString(),
    text: await res.body.text(),
  };
}

/** Follows the emulator's redirects from `url` until one leaves it (the answer is that URL) or a page is shown. */
async function throughEmulator(emulatorUrl: string, url: string): Promise<{ leftTo?: string; page?: { url: string; html: string } }> {
  let current = url;
  for (let hop = 0; hop < 5; hop += 1) {
    if (!current.startsWith(emulatorUrl)) return { leftTo: current };
    const res = await plain('GET', current);
    if (res.status !== 302 || res.location === undefined) return { page: { url: current, html: res.text } };
    current = res.location;
  }
  throw new Error('too many redirects');
}

export interface SsoTab {
  /** The BFF's answer to GET /auth/social/:provider. */
  start: Reply;
  /** The fake IdP's login page URL. */
  idpPage: string;
}

/** GET /auth/social/:provider in `browser`, then SCAYLE's redirect up to the IdP's login page. */
export async function startSso(browser: Browser, emulatorUrl: string, path: string): Promise<SsoTab> {
  const start = await browser.get(path);
  expect(start.status, start.text).toBe(302);
  const at = await throughEmulator(emulatorUrl, new URL(String(start.headers.location), browser.baseUrl).toString());
  expect(at.page?.html, 'the IdP login page').toContain('idp-form');
  return { start, idpPage: at.page!.url };
}

/** Submits the IdP's login form (or cancels) and follows SCAYLE back; the answer is the BFF callback URL. */
export async function answerIdp(emulatorUrl: string, tab: SsoTab, choice: { email?: string; cancel?: boolean } = {}): Promise<string> {
  const flow = new URL(tab.idpPage).searchParams.get('flow')!;
  const form = new URLSearchParams({
    flow,
    action: choice.cancel ? 'cancel' : 'login',
    email: choice.email ?? 'sso-user@idp.example.test',
  });
  const posted = await plain('POST', `${emulatorUrl}/idp/login`, form);
  expect(posted.status, posted.text).toBe(302);
  const back = await throughEmulator(emulatorUrl, posted.location!);
  expect(back.leftTo, 'SCAYLE redirects back to the BFF').toBeDefined();
  return back.leftTo!;
}
