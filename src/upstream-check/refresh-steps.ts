// §5.10, §6.3: one refresh and what it does to the old tokens (rotation, grace, reuse detection, the old
// access token), then the status of a bad refresh token and of wrong client credentials.

import { randomBytes } from 'node:crypto';
import { UPSTREAM_4XX } from '../upstream/failures.js';
import type { UpstreamTokens } from '../upstream/types.js';
import type { CheckDeps } from './deps.js';
import type { Finding } from './findings.js';
import { checkContext, describeFailure, probe } from './probe.js';

/** Returns the pair that is live afterwards (for clean-up), or undefined when none is. */
export async function checkRefresh(deps: CheckDeps, first: UpstreamTokens, findings: Finding[]): Promise<UpstreamTokens | undefined> {
  const ctx = () => checkContext(deps.runId);
  const refreshed = await probe(deps.recorder, () => deps.scayle.refresh(first.refreshToken, ctx()));
  const second = refreshed.value;
  findings.push({
    point: 'refresh',
    contract: '§5.10',
    verdict: second === undefined ? 'fail' : 'ok',
    observed: second === undefined ? `a fresh refresh token was refused: ${describeFailure(refreshed)}` : 'a new pair',
    emulator: 'answers 200 with a new pair',
  });
  if (second === undefined) return first;

  // Before any reuse: reuse detection would revoke the family and hide this answer.
  const oldAccess = await probe(deps.recorder, () => deps.scayle.validateToken(first.accessToken, ctx()));
  findings.push({
    point: 'refresh.old-access-token',
    contract: '§6.3 [UNKNOWN]',
    verdict: oldAccess.error === undefined ? 'info' : 'warn',
    observed:
      oldAccess.value === true
        ? 'still valid after the refresh'
        : oldAccess.value === false
          ? 'revoked by the refresh'
          : `validate failed: ${describeFailure(oldAccess)}`,
    emulator: `revokeAccessOnRefresh: ${oldAccess.value === false}`,
  });

  if (second.refreshToken === first.refreshToken) {
    findings.push({
      point: 'refresh.rotation',
      contract: '§5.10 [UNKNOWN]',
      verdict: 'info',
      observed: 'the refresh token is not rotated (the same one comes back)',
      emulator: "rotation: 'off'",
    });
    return second;
  }
  const reused = await probe(deps.recorder, () => deps.scayle.refresh(first.refreshToken, ctx()));
  if (reused.value !== undefined) {
    const samePair = reused.value.refreshToken === second.refreshToken;
    findings.push({
      point: 'refresh.rotation',
      contract: '§5.10 [UNKNOWN] grace window',
      verdict: samePair ? 'info' : 'warn',
      observed: samePair
        ? 'rotated; the used token, presented again at once, returns the same new pair (a grace window)'
        : 'rotated, yet the used token still mints new pairs (no rotation in effect)',
      emulator: samePair ? "rotation: 'grace' (window >= the time between the two calls)" : "closest is rotation: 'off'",
    });
    return samePair ? second : reused.value;
  }
  findings.push({
    point: 'refresh.rotation',
    contract: '§5.10 [UNKNOWN]',
    verdict: reused.error === 'SESSION_EXPIRED' ? 'info' : 'fail',
    observed: `rotated; the used token, presented again at once, is refused (${describeFailure(reused)})`,
    emulator: "rotation: 'strict'",
  });
  const after = await probe(deps.recorder, () => deps.scayle.refresh(second.refreshToken, ctx()));
  findings.push({
    point: 'refresh.reuse-detection',
    contract: '§5.10 [INF]',
    verdict: 'info',
    observed:
      after.value === undefined
        ? `reusing the old token revoked the new one too (${describeFailure(after)})`
        : 'reusing the old token left the new one working',
    emulator: `reuseRevokesFamily: ${after.value === undefined}`,
  });
  return after.value;
}

export async function checkBadRefresh(deps: CheckDeps, findings: Finding[]): Promise<void> {
  const bogus = `check-upstream-${randomBytes(24).toString('base64url')}`;
  const result = await probe(deps.recorder, () => deps.scayle.refresh(bogus, checkContext(deps.runId)));
  const status = result.exchange?.status;
  const understood = status === 400 || status === 401;
  findings.push({
    point: 'refresh.bad-token',
    contract: '§5.10, §9.2 [UNKNOWN] status',
    verdict: understood && result.error === 'SESSION_EXPIRED' ? 'ok' : 'fail',
    observed: understood
      ? `${describeFailure(result)}: the service ends the session`
      : `${describeFailure(result)}: the service would answer 502 instead of ending the session`,
    emulator: understood ? `invalidGrantStatus: ${status}` : 'no switch (400 or 401)',
  });
  findings.push({
    point: 'refresh.expiry',
    contract: '§5.10 [UNKNOWN] sliding or absolute',
    verdict: 'info',
    observed: 'not observable in a short check (it needs the refresh-token lifetime to pass)',
    emulator: "refreshExpiry: 'sliding' (default) or 'absolute'",
  });
}

/** The service tells its own bad credentials from a dead refresh token only by SCAYLE's INVALID_CLIENT key. */
export async function checkClientAuth(deps: CheckDeps, findings: Finding[]): Promise<void> {
  const bogus = `check-upstream-${randomBytes(24).toString('base64url')}`;
  const result = await probe(deps.wrongRecorder, () => deps.wrongClient.refresh(bogus, checkContext(deps.runId)));
  const ok = result.exchange?.status === 401 && result.exchange.errorKey?.toUpperCase() === 'INVALID_CLIENT';
  const mapped = result.exchange === undefined ? undefined : UPSTREAM_4XX.refresh[result.exchange.status];
  findings.push({
    point: 'client-auth',
    contract: '§3.2 [DOC] INVALID_CLIENT',
    verdict: ok ? 'ok' : 'fail',
    observed: ok
      ? 'a wrong client secret is 401 INVALID_CLIENT'
      : `a wrong client secret is ${describeFailure(result)}` +
        (mapped === 'SESSION_EXPIRED' ? ': a bad secret would log every customer out' : ''),
    emulator: '401 INVALID_CLIENT (no switch)',
  });
}
