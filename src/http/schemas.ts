// Request and response schemas of the /auth routes. Requests are strict (unknown fields rejected) and
// normalised (trimmed, e-mails lower-cased); responses list exactly what may leave, so a field such as a
// refresh token on a handler's return value is dropped by the serializer.
import { z } from 'zod';

export const email = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.email().max(254))
  // The input side of the pipe is a plain string to zod's JSON Schema; the document says what is enforced.
  .meta({ format: 'email', maxLength: 254 })
  .describe('E-mail address; trimmed and lower-cased');
const name = z.string().trim().min(1).max(100);
export const gender = z.enum(['m', 'f', 'd', 'n']).describe('m, f, d or n');
const loginPassword = z.string().min(1).max(256);
export const newPassword = z.string().min(8).max(256).describe('8 to 256 characters');

export const registerBody = z.strictObject({
  gender,
  first_name: name,
  last_name: name,
  email,
  password: newPassword,
});

export const loginBody = z.strictObject({ email, password: loginPassword });

export const guestBody = z.strictObject({ gender, first_name: name, last_name: name, email });

export const customer = z.object({
  id: z.string().optional().describe('SCAYLE customer id (from the access token)'),
  guest: z.boolean(),
});

export const tokenResponse = z.object({
  access_token: z.string(),
  token_type: z.literal('Bearer'),
  expires_in: z.number().int().describe('Seconds until the access token expires'),
  expires_at: z.iso.datetime().describe('ISO 8601 expiry of the access token'),
  customer,
  session_token: z.string().optional().describe('Mobile (token-mode) clients only, on the responses that create a session'),
});
export type TokenResponse = z.infer<typeof tokenResponse>;

export const sessionInfoResponse = z.object({
  authenticated: z.literal(true),
  customer,
  expires_at: z.iso.datetime().describe('ISO 8601 absolute end of the session'),
  idle_expires_at: z.iso.datetime().describe('ISO 8601 end of the session if unused'),
});

export const problem = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    code: z.string(),
    detail: z.string().optional(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
    request_id: z.string(),
  })
  .describe('application/problem+json');

/** Response map entry for error statuses, so every route documents its problems. */
export const problems = (...statuses: number[]): Record<number, typeof problem> => Object.fromEntries(statuses.map((s) => [s, problem]));
