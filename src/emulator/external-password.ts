// Seed 001's password validation flow as SCAYLE runs it: a customer flagged "external password" has no
// password at SCAYLE yet; on login SCAYLE asks the shop's validation service (Basic auth, JSON
// `{email, password}` → `{valid}`), and on `valid: true` keeps the password as its own, so the next
// login no longer asks. [UNKNOWN] what SCAYLE answers when the service fails: here, invalid credentials.
import { request } from 'undici';
import type { EmulatorState } from './state.js';
import type { Customer } from './records.js';
import { hashPassword } from './passwords.js';

export interface ExternalPasswordValidation {
  /** The shop's service, e.g. https://shop.example/checkout/password/credentials. */
  url: string;
  username: string;
  password: string;
}

/** True when the shop's service says the password is right; the customer then owns it (hashed). */
export async function checkExternalPassword(
  state: EmulatorState,
  service: ExternalPasswordValidation | undefined,
  customer: Customer,
  password: string,
): Promise<boolean> {
  if (!service) return false;
  state.externalPasswordChecks += 1;
  let valid = false;
  try {
    const res = await request(service.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Basic ${Buffer.from(`${service.username}:${service.password}`).toString('base64')}`,
      },
      body: JSON.stringify({ email: customer.email, password }),
      headersTimeout: 10_000,
      bodyTimeout: 10_000,
    });
    const body = (await res.body.json().catch(() => undefined)) as { valid?: unknown } | undefined;
    valid = res.statusCode === 200 && body?.valid === true;
  } catch {
    valid = false;
  }
  if (!valid) return false;
  customer.passwordHash = await hashPassword(password);
  customer.externalPassword = false;
  return true;
}
