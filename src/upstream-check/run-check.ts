// The check's sequence (issue 19, part 4): JWKS, a guest login and its tokens, one refresh and its
// rotation, a bad refresh token, wrong client credentials, failed logins, then revocation of a second
// guest's pair. Self-cleaning: every pair still live at the end is revoked, also after a failure.

import type { UpstreamTokens } from '../upstream/types.js';
import type { CheckDeps } from './deps.js';
import { checkLoginErrors, checkRevocation, revokeQuietly } from './ending-steps.js';
import type { Finding } from './findings.js';
import { checkJwks } from './jwks-step.js';
import { checkBadRefresh, checkClientAuth, checkRefresh } from './refresh-steps.js';
import { checkTokens, guestLogin } from './token-steps.js';

export async function runCheck(deps: CheckDeps): Promise<Finding[]> {
  const findings: Finding[] = [];
  const live = new Set<UpstreamTokens>();
  try {
    const jwks = await checkJwks(deps.jwksUrl, deps.timeoutMs, deps.connectTimeoutMs);
    findings.push(jwks);
    if (jwks.verdict === 'fail') return findings;

    const first = await guestLogin(deps, 1, findings);
    if (first === undefined) return findings;
    live.add(first);
    await checkTokens(deps, first, findings);
    const current = await checkRefresh(deps, first, findings);
    live.delete(first);
    if (current !== undefined) live.add(current);

    await checkBadRefresh(deps, findings);
    await checkClientAuth(deps, findings);
    await checkLoginErrors(deps, findings);

    // A second guest: the first family may already be dead (reuse detection), and revocation needs a live one.
    const second = await guestLogin(deps, 2, findings);
    if (second !== undefined) {
      live.add(second);
      if (await checkRevocation(deps, second, findings)) live.delete(second);
    }
    return findings;
  } finally {
    for (const tokens of live) await revokeQuietly(deps, tokens);
  }
}
