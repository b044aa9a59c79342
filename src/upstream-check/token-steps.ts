// §3.1, §5.3, §6.1, §5.11: a guest login (a throwaway guest, no real customer), then what its tokens
// look like, whether the service's verifier accepts them, and whether SCAYLE validates them.

import { decodeJwt, decodeProtectedHeader } from 'jose';
import type { UpstreamTokens } from '../upstream/types.js';
import type { CheckDeps } from './deps.js';
import type { Finding } from './findings.js';
import { checkContext, describeFailure, probe } from './probe.js';

const STANDARD_FIELDS = ['access_token', 'expires_in', 'refresh_token', 'token_type'];

/** Each guest gets a fresh address under example.com (reserved: no mailbox, no real customer). */
export function guestEmail(runId: string, n: number): string {
  return `check-upstream-${runId}-${n}@example.com`;
}

export async function guestLogin(deps: CheckDeps, n: number, findings: Finding[]): Promise<UpstreamTokens | undefined> {
  const result = await probe(deps.recorder, () =>
    deps.scayle.guestLogin(
      { gender: 'd', firstName: 'Check', lastName: 'Upstream', email: guestEmail(deps.runId, n) },
      checkContext(deps.runId),
    ),
  );
  const base = { point: `guest-login #${n}`, contract: '§5.3', emulator: 'answers 200 (no switch)' };
  if (result.value === undefined) {
    findings.push({ ...base, verdict: 'fail', observed: `failed: ${describeFailure(result)} (${result.error}); the check stops here` });
    return undefined;
  }
  findings.push({ ...base, verdict: 'ok', observed: `${result.exchange?.status ?? '?'} with a token response` });
  if (n === 1) findings.push(responseFields(result.exchange?.fields ?? []));
  return result.value;
}

function responseFields(fields: string[]): Finding {
  const extra = fields.filter((f) => !STANDARD_FIELDS.includes(f));
  return {
    point: 'token-response.fields',
    contract: '§3.1 [UNKNOWN] extra fields',
    verdict: 'info',
    observed: `${fields.join(', ')}${extra.length > 0 ? ` (beyond §3.1: ${extra.join(', ')}; the service ignores them)` : ''}`,
    emulator: `${STANDARD_FIELDS.join(', ')} (no switch)`,
  };
}

/** Lifetime, refresh-token format, verification with the service's verifier, claims, validate. */
export async function checkTokens(deps: CheckDeps, tokens: UpstreamTokens, findings: Finding[]): Promise<void> {
  findings.push({
    point: 'access-token.lifetime',
    contract: '§6.2 [UNKNOWN]',
    verdict: 'info',
    observed: `expires_in ${tokens.expiresIn} s`,
    emulator: `accessTokenTtlSeconds: ${tokens.expiresIn}`,
  });
  findings.push({
    point: 'refresh-token.format',
    contract: '§3.1 [UNKNOWN]',
    verdict: 'info',
    observed: tokens.refreshToken.split('.').length === 3 ? 'looks like a JWT' : 'opaque',
    emulator: 'opaque (no switch); the service treats it as opaque either way',
  });

  const header = safe(() => decodeProtectedHeader(tokens.accessToken));
  const verified = await probe(undefined, () => deps.verifier.verify(tokens.accessToken));
  findings.push({
    point: 'access-token.verify',
    contract: '§5.14, §6.1',
    verdict: verified.value === undefined ? 'fail' : 'ok',
    observed:
      verified.value === undefined
        ? `the service's verifier rejects it (${verified.error}): every login would fail`
        : `verifies against the JWKS (alg ${String(header?.alg)}, ` +
          `${header?.kid === undefined ? 'no kid' : 'kid present'}), jti and exp present`,
    emulator: 'RS256 JWT with kid (no switch)',
  });

  const claims = safe(() => decodeJwt(tokens.accessToken)) ?? {};
  const names = Object.keys(claims).sort();
  const hasCustomer = claims['customerId'] !== undefined || claims.sub !== undefined;
  findings.push({
    point: 'access-token.claims',
    contract: '§6.1 [UNKNOWN]',
    verdict: hasCustomer ? 'ok' : 'warn',
    observed: `${names.join(', ')}${hasCustomer ? '' : '; neither customerId nor sub: sessions cannot be grouped by customer'}`,
    emulator: 'customerId, exp, guest, iat, iss, jti, sub (no switch)',
  });
  findings.push({
    point: 'access-token.issuer',
    contract: '§6.1 [INF]',
    verdict: 'info',
    observed: typeof claims.iss === 'string' ? `iss ${JSON.stringify(claims.iss.slice(0, 200))}` : 'no iss claim',
    emulator: typeof claims.iss === 'string' ? `issuer: ${JSON.stringify(claims.iss.slice(0, 200))}` : 'always sends iss (no switch)',
  });
  const guest = claims['guest'] ?? claims['isGuest'];
  findings.push({
    point: 'access-token.guest-claim',
    contract: '§6.1 [UNKNOWN]',
    verdict: 'info',
    observed: typeof guest === 'boolean' ? `a boolean guest claim (${guest})` : 'no guest/isGuest claim: guests look like customers',
    emulator: 'sends guest (no switch)',
  });

  const valid = await probe(deps.recorder, () => deps.scayle.validateToken(tokens.accessToken, checkContext(deps.runId)));
  findings.push({
    point: 'validate',
    contract: '§5.11',
    verdict: valid.value === true ? 'ok' : 'fail',
    observed:
      valid.value === true
        ? `a fresh token validates (${valid.exchange?.status})`
        : `a fresh token does not validate: ${describeFailure(valid)}`,
    emulator: '200 (no switch)',
  });
}

function safe<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}
