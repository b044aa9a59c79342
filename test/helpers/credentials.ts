// Legacy credentials put straight into a stack's credential store (sealed the way the import seals them),
// and the validation route called as SCAYLE calls it: Basic auth, JSON, no browser headers.
import { request } from 'undici';
import { credentialId } from '../../src/migration/credential-store.js';
import { createSessionCrypto } from '../../src/sessions/session-crypto.js';
import type { Stack } from './stack.js';

export const VALIDATION_USER = 'scayle-migration';
export const VALIDATION_PASSWORD = 'validation-secret-0123456789';
export const VALIDATION_ENV = { PASSWORD_VALIDATION_USERNAME: VALIDATION_USER, PASSWORD_VALIDATION_PASSWORD: VALIDATION_PASSWORD };

export async function seedCredentials(stack: Stack, rows: { email: string; hash: string; format?: string }[]): Promise<void> {
  const crypto = createSessionCrypto(stack.config.session.encryptionKeys);
  await stack.app.credentialStore.putMany(
    rows.map(({ email, hash, format = 'bcrypt' }) => {
      const id = credentialId(email);
      return { id, sealed: crypto.seal('credential', hash, id), format };
    }),
  );
}

export interface ValidationCall {
  body?: unknown;
  rawBody?: string;
  auth?: string | null;
  headers?: Record<string, string>;
}

export const basic = (user: string, password: string): string => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

export async function validate(baseUrl: string, call: ValidationCall = {}) {
  const auth = call.auth === undefined ? basic(VALIDATION_USER, VALIDATION_PASSWORD) : call.auth;
  const res = await request(new URL('/checkout/password/credentials', baseUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(auth === null ? {} : { authorization: auth }), ...call.headers },
    body: call.rawBody ?? JSON.stringify(call.body ?? {}),
  });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, body: text === '' ? undefined : (JSON.parse(text) as Record<string, unknown>) };
}
