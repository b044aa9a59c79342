// §5.14: the JWKS, fetched as the verifier fetches it: which keys and algorithms the tenant publishes.

import { fetch as undiciFetch } from 'undici';
import { ACCEPTED_ALGORITHMS } from '../tokens/access-token-verifier.js';
import { createJwksDispatcher } from '../tokens/jwks-fetch.js';
import type { Finding } from './findings.js';

const ASYMMETRIC_KTY = new Set(['RSA', 'EC', 'OKP']);

interface JwkFacts {
  kty?: unknown;
  alg?: unknown;
  kid?: unknown;
}

export async function checkJwks(jwksUrl: string, timeoutMs: number, connectTimeoutMs: number): Promise<Finding> {
  const base = { point: 'jwks', contract: '§5.14 [UNKNOWN] algorithm', emulator: 'RSA keys, RS256, each with a kid (no switch)' };
  const dispatcher = createJwksDispatcher(connectTimeoutMs);
  try {
    const response = await undiciFetch(jwksUrl, { dispatcher, signal: AbortSignal.timeout(timeoutMs) });
    const text = await response.text();
    if (response.status !== 200) return { ...base, verdict: 'fail', observed: `the JWKS URL answered ${response.status}` };
    const keys = parseKeys(text);
    if (keys === undefined) return { ...base, verdict: 'fail', observed: 'the JWKS URL did not answer a JSON key set' };
    const usable = keys.filter(isUsable);
    const kinds = [...new Set(keys.map((k) => `${String(k.kty)}/${typeof k.alg === 'string' ? k.alg : 'no alg'}`))].join(', ');
    const observed = `${keys.length} key(s) (${kinds || 'none'}), ${keys.filter((k) => typeof k.kid === 'string').length} with a kid`;
    if (usable.length === 0) {
      return { ...base, verdict: 'fail', observed: `${observed}; none the verifier accepts (${ACCEPTED_ALGORITHMS.join(', ')})` };
    }
    return { ...base, verdict: 'ok', observed };
  } catch (err) {
    const name = err instanceof Error ? err.name : 'error';
    return { ...base, verdict: 'fail', observed: `the JWKS could not be fetched (${name})` };
  } finally {
    await dispatcher.destroy();
  }
}

function parseKeys(text: string): JwkFacts[] | undefined {
  try {
    const body = JSON.parse(text) as { keys?: unknown };
    return Array.isArray(body.keys) ? (body.keys as JwkFacts[]) : undefined;
  } catch {
    return undefined;
  }
}

/** Asymmetric, and if the key names its algorithm, one the verifier accepts. */
function isUsable(key: JwkFacts): boolean {
  if (typeof key.kty !== 'string' || !ASYMMETRIC_KTY.has(key.kty)) return false;
  return key.alg === undefined || (typeof key.alg === 'string' && ACCEPTED_ALGORITHMS.includes(key.alg));
}
