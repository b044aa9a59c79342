// Exact allow-list matching for the social routes' redirect targets (bff-api.md: scheme, host, port and
// path exactly; no prefixes, no wildcards), over the same normalisation the configuration uses.
import { urlMatchKey } from '../config-lists.js';

/** True when `candidate` is an absolute http(s) URL whose scheme, host, port and path are on the list. */
export function isAllowedUrl(candidate: string | undefined, allowList: readonly string[]): candidate is string {
  if (candidate === undefined) return false;
  const key = urlMatchKey(candidate);
  return key !== undefined && allowList.includes(key);
}

/** `target` with `?error=<code>` added (existing query parameters kept). */
export function withErrorCode(target: string, code: string): string {
  const url = new URL(target);
  url.searchParams.set('error', code);
  return url.toString();
}
