// Parsing of the URL allow-lists in the configuration. Entries are normalised with the WHATWG URL parser
// so that matching later is an exact string comparison: no prefixes, no wildcards (bff-api.md).

/** Comma-separated origins (scheme://host[:port]); a path other than "/" is a configuration error. */
export function parseOriginList(name: string, value: string | undefined, problems: string[]): string[] {
  const out: string[] = [];
  for (const entry of split(value)) {
    const url = tryUrl(entry);
    if (!url || (url.pathname !== '/' && url.pathname !== '') || url.search !== '' || url.hash !== '') {
      problems.push(`${name}: every entry must be an origin like https://shop.example`);
      return [];
    }
    out.push(url.origin);
  }
  return out;
}

/** Comma-separated absolute http(s) URLs, kept as scheme://host:port/path (no query or fragment). */
export function parseUrlList(name: string, value: string | undefined, problems: string[]): string[] {
  const out: string[] = [];
  for (const entry of split(value)) {
    const key = urlMatchKey(entry);
    if (key === undefined) {
      problems.push(`${name}: every entry must be an absolute http(s) URL`);
      return [];
    }
    out.push(key);
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

function split(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}
