// REGISTER_PROFILE_FIELDS: the optional extra fields POST /auth/register accepts (`birth_date:date,phone:string`),
// parsed once at start-up and turned into zod fields that extend the strict register body.
import { z } from 'zod';

export const PROFILE_FIELD_TYPES = ['string', 'date'] as const;
export type ProfileFieldType = (typeof PROFILE_FIELD_TYPES)[number];
export interface ProfileField {
  name: string;
  type: ProfileFieldType;
}
/** What a queued enrichment carries: field name → validated value (dates as YYYY-MM-DD). */
export type ProfileValues = Record<string, string>;

/** The register body's own fields: a profile field may not shadow one of them. */
const RESERVED = new Set(['gender', 'first_name', 'last_name', 'email', 'password']);
const NAME = /^[a-z][a-z0-9_]{0,39}$/;

/** The fields of a REGISTER_PROFILE_FIELDS value, or an error message naming what is wrong (no value quoted). */
export function parseProfileFields(entries: readonly string[]): ProfileField[] | string {
  const fields: ProfileField[] = [];
  for (const entry of entries) {
    const [name = '', type = '', ...rest] = entry.split(':').map((part) => part.trim());
    if (!NAME.test(name) || rest.length > 0) return 'every entry must be name:type with a snake_case name, e.g. birth_date:date';
    if (!(PROFILE_FIELD_TYPES as readonly string[]).includes(type)) return `types are ${PROFILE_FIELD_TYPES.join(' or ')}`;
    if (RESERVED.has(name)) return 'a profile field may not be named like a register field (gender, first_name, ...)';
    if (fields.some((f) => f.name === name)) return 'a profile field is declared twice';
    fields.push({ name, type: type as ProfileFieldType });
  }
  return fields;
}

/** A real calendar date (z.iso.date knows month lengths and leap years) strictly before today (UTC) by `now`. */
function pastDate(now: () => number) {
  // Compared as text (YYYY-MM-DD sorts by date); runs even after a format issue, so it must not parse.
  return z.iso.date().refine((value) => value < new Date(now()).toISOString().slice(0, 10), 'must be a date in the past (YYYY-MM-DD)');
}

/** Optional zod fields for the declared profile fields, to extend the register body with. */
export function profileShape(fields: readonly ProfileField[], now: () => number = Date.now): Record<string, z.ZodOptional> {
  return Object.fromEntries(
    fields.map((f) => [f.name, (f.type === 'date' ? pastDate(now) : z.string().trim().min(1).max(200)).optional()]),
  );
}

/** The declared profile values present in a parsed body (undefined ones dropped). */
export function pickProfile(fields: readonly ProfileField[], body: Record<string, unknown>): ProfileValues {
  const values: ProfileValues = {};
  for (const { name } of fields) {
    const value = body[name];
    if (typeof value === 'string') values[name] = value;
  }
  return values;
}
