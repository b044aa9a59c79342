// Builds the check's dependencies from the service's Config the way plugins/upstream.ts does, each
// client on a recording dispatcher; close() releases them all.

import { randomBytes } from 'node:crypto';
import type { Config } from '../config.js';
import { createAccessTokenVerifier } from '../tokens/access-token-verifier.js';
import { parseBaseUrl } from '../upstream/base-url.js';
import { createScayleClient } from '../upstream/scayle-client.js';
import type { CheckDeps } from './deps.js';
import { createRecorder } from './recorder.js';

export function buildCheckDeps(config: Config, baseUrl: string, testEmail: string | undefined): CheckDeps & { close(): Promise<void> } {
  const { clientId, clientSecret, shopId, clientKey, connectTimeoutMs, timeoutMs } = config.scayle;
  const origin = parseBaseUrl(baseUrl).origin;
  const recorder = createRecorder(origin, connectTimeoutMs);
  const wrongRecorder = createRecorder(origin, connectTimeoutMs);
  const common = { baseUrl, clientId, shopId, clientKey, requestTimeoutMs: timeoutMs };
  const scayle = createScayleClient({ ...common, clientSecret, dispatcher: recorder.dispatcher });
  const wrongClient = createScayleClient({
    ...common,
    clientSecret: `check-upstream-${randomBytes(24).toString('base64url')}`,
    dispatcher: wrongRecorder.dispatcher,
  });
  const jwksUrl = config.scayle.jwksUrl ?? scayle.jwksUrl;
  const verifier = createAccessTokenVerifier({ jwksUrl, timeoutMs, connectTimeoutMs });
  return {
    scayle,
    recorder,
    wrongClient,
    wrongRecorder,
    verifier,
    jwksUrl,
    timeoutMs,
    connectTimeoutMs,
    ...(testEmail === undefined ? {} : { testEmail }),
    runId: randomBytes(6).toString('hex'),
    async close() {
      await Promise.all([scayle.close(), wrongClient.close(), verifier.close(), recorder.close(), wrongRecorder.close()]);
    },
  };
}
