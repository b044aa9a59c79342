// Parsing of the list-valued variables, and the zod field that reads one. URL entries are normalised with
// the WHATWG URL parser so that matching later is an exact string comparison: no prefixes, no wildcards
// (bff-api.md).
import { z } from 'zod';

/** Splits a comma-separated value into trimmed, non-empty entries (unset gives none). */
export function splitList(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** A comma-separated variable, parsed entry by entry; `message` names what a valid entry looks like. */
export function listVariable<T>(parse: (entries: string[]) => T | undefined, message: string) {
  return z
    .string()
    .optional()
    .transform((value, ctx): T => {
      const parsed = parse(splitList(value));
      if (parsed !== undefined) return parsed;
      ctx.addIssue({ code: 'custom', message });
      return z.NEVER;
    });
}

/** Origins (scheme://host[:port]); undefined when an entry has a path, query or fragment or is not http(s). */
export function parseOriginList(entries: string[]): string[] | undefined {
  const out: string[] = [];
  for (const entry of entries) {
    const url = tryUrl(entry);
    if (!url || (url.pathname !== '/' && url.pathname !== '') || url.search !== '' || url.hash !== '') return undefined;
    out.push(url.origin);
  }
  return out;
}

/** Absolute http(s) URLs, kept as scheme://host:port/path (no query or fragment); undefined when one is not. */
export function parseUrlList(entries: string[]): string[] | undefined {
  const out: string[] = [];
  for (const entry of entries) {
    const key = urlMatchKey(entry);
    if (key === undefined) return undefined;
    out.push(key);
  }
  return out;
}

/** `key=cookie` / `key=token` entries as a map; undefined when one is malformed. */
export function parseClientKeys<Mode extends string>(entries: string[], modes: readonly Mode[]): Map<string, Mode> | undefined {
  const out = new Map<string, Mode>();
  for (const entry of entries) {
    const [key, mode, extra] = entry.split('=').map((s) => s.trim());
    const known = modes.find((m) => m === mode);
    if (!key || known === undefined || extra !== undefined || !/^[\w.-]{1,128}$/.test(key)) return undefined;
    out.set(key, known);
  }
  return out;
}

/**
 * The part of a URL an allow-list compares: scheme, host, port and path, exactly. Query strings are
 * not compared, so a storefront may append its own parameters. Undefined for anything not http(s).
 */
export function urlMatchKey(candidate: string): string | undefined {
  const url = tryUrl(candidate);
  if (!url || url.username !== '' || url.password !== '') return undefined;
  return `${url.origin}${url.pathname}`;
}

function tryUrl(value: string): URL | undefined {
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url : undefined;
  } catch {
    return undefined;
  }
}
