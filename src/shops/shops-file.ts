// issue 18 part 3: the SHOPS_FILE format (JSON or YAML: YAML is a superset of JSON, so one parser reads
// both) and its own rules: ids, hosts and path prefixes, each unique. The variables of a shop are checked
// by the config schema later (load-shops.ts); here only that they are strings by name.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

/** Shop ids become part of Redis keys, metric labels and associated data: short, lower-case slugs. */
const shopId = z.string().regex(/^[a-z0-9-]{1,32}$/, 'must be 1-32 characters of a-z, 0-9 and "-"');
/** A host name as the Host header carries it, without a port (the port is dropped before matching). */
const host = z
  .string()
  .regex(/^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/, 'must be a host name without port')
  .transform((h) => h.toLowerCase());
/** One path segment: routes of the shop are served under it (/de/auth/login). */
const pathPrefix = z.string().regex(/^\/[a-z0-9-]{1,32}$/, 'must be "/" and one segment of a-z, 0-9 and "-", e.g. /de');
/** YAML may write numbers and booleans unquoted; the environment they stand for is strings. */
const variable = z.union([z.string(), z.number(), z.boolean()]).transform(String);

const shopEntry = z.strictObject({
  id: shopId,
  hosts: z.array(host).default([]),
  pathPrefix: pathPrefix.optional(),
  variables: z.record(z.string(), variable).default({}),
});

export const shopsFileSchema = z
  .strictObject({ shops: z.array(shopEntry).min(1, 'must list at least one shop') })
  .superRefine(({ shops }, ctx) => {
    const seen = { id: new Map<string, number>(), host: new Map<string, number>(), pathPrefix: new Map<string, number>() };
    const once = (kind: keyof typeof seen, value: string, index: number, path: (string | number)[]) => {
      const first = seen[kind].get(value);
      if (first === undefined) seen[kind].set(value, index);
      else ctx.addIssue({ code: 'custom', path: ['shops', index, ...path], message: `${kind} "${value}" is also shop ${first}'s` });
    };
    shops.forEach((shop, index) => {
      once('id', shop.id, index, ['id']);
      shop.hosts.forEach((h, i) => once('host', h, index, ['hosts', i]));
      if (shop.pathPrefix !== undefined) once('pathPrefix', shop.pathPrefix, index, ['pathPrefix']);
      if (shop.hosts.length === 0 && shop.pathPrefix === undefined) {
        ctx.addIssue({ code: 'custom', path: ['shops', index], message: 'needs hosts or a pathPrefix (how else is it chosen?)' });
      }
    });
  });

export type ShopsFile = z.output<typeof shopsFileSchema>;
export type ShopEntry = ShopsFile['shops'][number];

/**
 * The shops file's entries, or the problems with it. Messages name paths and rules; ids, hosts and
 * prefixes are not secret, variable values never appear (zod's messages hold no received values here).
 */
export function parseShopsFile(text: string): { shops: ShopEntry[] } | { problems: string[] } {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch {
    // The parser's message quotes the offending line, which may hold a secret.
    return { problems: ['the file is neither JSON nor YAML'] };
  }
  const parsed = shopsFileSchema.safeParse(raw);
  if (parsed.success) return { shops: parsed.data.shops };
  return {
    problems: parsed.error.issues.map((issue) => `${issue.path.join('.') || '(file)'}: ${issue.message.replace(/, received .*$/, '')}`),
  };
}

export function readShopsFile(path: string): { shops: ShopEntry[] } | { problems: string[] } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    return { problems: [`cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`] };
  }
  return parseShopsFile(text);
}
