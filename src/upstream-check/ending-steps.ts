// §5.2 and §5.12 / §6.3: the statuses of failed logins, and what revoking a token (the service's logout)
// does to the access and refresh tokens of its family.

import { randomBytes } from 'node:crypto';
import { UPSTREAM_4XX } from '../upstream/failures.js';
import type { UpstreamTokens } from '../upstream/types.js';
import type { CheckDeps } from './deps.js';
import type { Finding } from './findings.js';
import { checkContext, describeFailure, probe } from './probe.js';

const randomPassword = (): string => `Wrong-${randomBytes(18).toString('base64url')}`;

export async function checkLoginErrors(deps: CheckDeps, findings: Finding[]): Promise<void> {
  const unknown = `check-upstream-${deps.runId}-nobody@example.com`;
  findings.push(await loginFailure(deps, 'login.unknown-email', unknown, 'unknownEmailStatus'));
  if (deps.testEmail === undefined) {
    findings.push({
      point: 'login.wrong-password',
      contract: '§5.2 [UNKNOWN] 400 or 401',
      verdict: 'info',
      observed: 'not checked: set CHECK_UPSTREAM_EMAIL to the e-mail of a test account the shop owns',
      emulator: 'wrongPasswordStatus: 400 | 401 | 404 (default 401)',
    });
    return;
  }
  findings.push(await loginFailure(deps, 'login.wrong-password', deps.testEmail, 'wrongPasswordStatus'));
}

async function loginFailure(deps: CheckDeps, point: string, email: string, option: string): Promise<Finding> {
  const result = await probe(deps.recorder, () => deps.scayle.login({ email, password: randomPassword() }, checkContext(deps.runId)));
  const status = result.exchange?.status;
  const understood = result.error === 'INVALID_CREDENTIALS' && status !== undefined && UPSTREAM_4XX.login[status] !== undefined;
  const base = { point, contract: '§5.2 [UNKNOWN] status' };
  if (result.value !== undefined) {
    return { ...base, verdict: 'fail', observed: 'a random password logged in', emulator: 'no switch' };
  }
  return {
    ...base,
    verdict: understood ? 'ok' : 'fail',
    observed: understood
      ? `${describeFailure(result)}: the service answers 401 INVALID_CREDENTIALS`
      : `${describeFailure(result)}: the service would answer ${result.error} instead of INVALID_CREDENTIALS`,
    emulator: understood ? `${option}: ${status}` : 'no switch (400, 401 or 404)',
  };
}

/** Revokes `tokens` as the service's logout does; true when the family is dead afterwards. */
export async function checkRevocation(deps: CheckDeps, tokens: UpstreamTokens, findings: Finding[]): Promise<boolean> {
  const ctx = () => checkContext(deps.runId);
  const jti = await deps.verifier.verify(tokens.accessToken).then(
    (v) => v.jti,
    () => undefined,
  );
  if (jti === undefined) return false;
  const revoked = await probe(deps.recorder, () => deps.scayle.revokeToken(tokens.accessToken, jti, ctx()));
  const status = revoked.exchange?.status;
  findings.push({
    point: 'revoke',
    contract: '§5.12 [UNKNOWN] 200 or 204',
    verdict: revoked.error === undefined && (status === 200 || status === 204) ? 'ok' : 'fail',
    observed: revoked.error === undefined ? `${status}` : `failed: ${describeFailure(revoked)} (${revoked.error})`,
    emulator: status === 200 || status === 204 ? `emptySuccessStatus: ${status}` : 'no switch (200 or 204)',
  });
  if (revoked.error !== undefined) return false;

  const access = await probe(deps.recorder, () => deps.scayle.validateToken(tokens.accessToken, ctx()));
  findings.push({
    point: 'revoke.access-token',
    contract: '§6.3',
    verdict: access.value === false ? 'ok' : 'fail',
    observed: access.value === false ? 'no longer validates' : `still validates after revocation (${describeFailure(access)})`,
    emulator: 'revoked (no switch)',
  });
  const refresh = await probe(deps.recorder, () => deps.scayle.refresh(tokens.refreshToken, ctx()));
  findings.push({
    point: 'revoke.refresh-token',
    contract: '§5.12 [CODE] related refresh tokens',
    verdict: refresh.value === undefined && refresh.error === 'SESSION_EXPIRED' ? 'ok' : 'fail',
    observed:
      refresh.value === undefined
        ? `refused afterwards (${describeFailure(refresh)})`
        : 'still refreshes after revocation: a logged-out session would stay alive upstream',
    emulator: 'revoked with its access token (no switch)',
  });
  if (refresh.value !== undefined) await revokeQuietly(deps, refresh.value);
  return true;
}

/** Clean-up: best effort, silent (the run's findings already say what went wrong). */
export async function revokeQuietly(deps: CheckDeps, tokens: UpstreamTokens): Promise<void> {
  try {
    const { jti } = await deps.verifier.verify(tokens.accessToken);
    await deps.scayle.revokeToken(tokens.accessToken, jti, checkContext(deps.runId));
  } catch {
    // nothing more to do: the tokens expire on their own
  }
}
