// Request-body schemas of the emulated endpoints, lenient about extra fields (as a real API would be) and
// strict about the fields SCAYLE's docs and client name.
import { z } from 'zod';

const text = z.string().trim().min(1).max(255);
export const email = z
  .string()
  .trim()
  .min(3)
  .max(255)
  .regex(/^[^@\s]+@[^@\s]+$/, 'not an e-mail address');
export const gender = z.enum(['m', 'f', 'd', 'n']);
export const password = z.string().min(1).max(1024);
export const absoluteUrl = z.url();

/** `shop_id` as an integer equal to the emulated shop. */
export function shopIdField(shopId: number): z.ZodType<number> {
  return z
    .number()
    .int()
    .refine((value) => value === shopId, 'unknown shop');
}

export function registerBody(shopId: number) {
  return z.object({
    first_name: text,
    last_name: text,
    email,
    password,
    gender,
    shop_id: shopIdField(shopId),
  });
}

export function loginBody(shopId: number) {
  return z.object({ email, password, shop_id: shopIdField(shopId) });
}

export function guestBody(shopId: number) {
  return z.object({ first_name: text, last_name: text, email, gender, shop_id: shopIdField(shopId) });
}

export function resetEmailBody(shopId: number) {
  return z.object({
    email,
    reset_url: z
      .string()
      .min(1)
      .max(2048)
      .refine((url) => url.includes('{hash}'), 'must contain {hash}'),
    shop_id: shopIdField(shopId),
  });
}

export function updateByHashBody(shopId: number) {
  return z.object({ password, hash: text, shop_id: shopIdField(shopId) });
}

export const changePasswordBody = z.object({ password, new_password: password });

export const tokenBody = z.discriminatedUnion('grant_type', [
  z.object({ grant_type: z.literal('refresh_token'), refresh_token: z.string().min(1) }),
  z.object({ grant_type: z.literal('authorization_code'), code: z.string().min(1) }),
]);

export const magicLinkBody = z.object({ email });
export const magicLoginBody = z.object({ token: z.string().min(1), client_key: z.string().min(1) });

export const socialBody = z.object({
  provider: text,
  code: z.string().min(1),
  client_key: z.string().min(1),
  redirect_uri: absoluteUrl,
});
