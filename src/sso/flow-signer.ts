// Sealing an SSO flow (state, provider, where to return) into a cookie value the browser keeps: HMAC-SHA256
// with keys derived from SESSION_ENCRYPTION_KEYS (the first signs, all verify, so rotation does not break
// flows in progress). Signed, not encrypted: nothing in a flow is secret from the browser that started it.
import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

export interface SsoFlow {
  /** Random, 256 bits, base64url; travels in the callback URL and names the flow's cookie. */
  state: string;
  provider: string;
  returnTo: string;
  errorReturnTo?: string;
  /** Epoch ms; flows expire FLOW_TTL_MS after this. */
  createdAt: number;
}

export interface FlowSigner {
  seal(flow: SsoFlow): string;
  /** The flow, if the value was sealed by one of our keys and is well-formed; else undefined. */
  open(value: string): SsoFlow | undefined;
}

const payloadSchema = z.object({
  s: z.string().min(1).max(128),
  p: z.string().min(1).max(64),
  r: z.string().min(1).max(2048),
  e: z.string().min(1).max(2048).optional(),
  t: z.number().int().nonnegative(),
});

/** A fresh flow state: 32 random bytes. */
export function newState(): string {
  return randomBytes(32).toString('base64url');
}

/** A key of its own per purpose, so a flow signature can never be confused with anything the session keys do. */
function deriveKey(secret: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, '', 'scayle-auth-bff sso-flow v1', 32));
}

export function createFlowSigner(secrets: readonly string[]): FlowSigner {
  if (secrets.length === 0) throw new TypeError('createFlowSigner needs at least one secret');
  const keys = secrets.map(deriveKey);
  const mac = (key: Buffer, body: string): Buffer => createHmac('sha256', key).update(body).digest();

  return {
    seal(flow) {
      const payload = {
        s: flow.state,
        p: flow.provider,
        r: flow.returnTo,
        t: flow.createdAt,
        ...(flow.errorReturnTo ? { e: flow.errorReturnTo } : {}),
      };
      const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
      return `${body}.${mac(keys[0]!, body).toString('base64url')}`;
    },
    open(value) {
      const [body, signature, extra] = value.split('.');
      if (!body || !signature || extra !== undefined) return undefined;
      const given = Buffer.from(signature, 'base64url');
      const valid = keys.some((key) => {
        const expected = mac(key, body);
        return given.length === expected.length && timingSafeEqual(given, expected);
      });
      if (!valid) return undefined;
      let parsed: unknown;
      try {
        parsed = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
      } catch {
        return undefined;
      }
      const result = payloadSchema.safeParse(parsed);
      if (!result.success) return undefined;
      const { s, p, r, e, t } = result.data;
      return { state: s, provider: p, returnTo: r, createdAt: t, ...(e === undefined ? {} : { errorReturnTo: e }) };
    },
  };
}
