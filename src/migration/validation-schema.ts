// The adapter for SCAYLE's password validation request and response. SCAYLE shares the exact schema per
// customer; this is the contract's default ({ email, password } in, { valid } out). A shop whose schema
// differs changes this file only: the route and the check read credentials and build answers through it.
import { z } from 'zod';
import { email } from '../http/schemas.js';

export const validationRequest = z.strictObject({
  email,
  // Legacy systems allowed long passphrases; the bound keeps one request's hashing cost sane.
  password: z.string().min(1).max(1024),
});
export type ValidationRequest = z.output<typeof validationRequest>;

/** What the check needs from a parsed request (the e-mail is already trimmed and lower-cased). */
export const credentialsOf = (body: ValidationRequest): { email: string; password: string } => ({
  email: body.email,
  password: body.password,
});

export const validationResponse = z.object({ valid: z.boolean() });

export const responseOf = (valid: boolean): z.infer<typeof validationResponse> => ({ valid });
