// What the check's steps run against: the service's own SCAYLE client and verifier, each client on a
// recording dispatcher, plus a client with a deliberately wrong secret for the client-auth point.

import type { AccessTokenVerifier } from '../tokens/access-token-verifier.js';
import type { ScayleClient } from '../upstream/types.js';
import type { Recorder } from './recorder.js';

export interface CheckDeps {
  scayle: ScayleClient;
  recorder: Recorder;
  /** Same tenant, same client id, a random secret. */
  wrongClient: ScayleClient;
  wrongRecorder: Recorder;
  verifier: AccessTokenVerifier;
  jwksUrl: string;
  timeoutMs: number;
  connectTimeoutMs: number;
  /** CHECK_UPSTREAM_EMAIL: a test account the shop owns, for the wrong-password point (never printed). */
  testEmail?: string;
  /** Names this run in the x-request-id of each call and in the guests' e-mail addresses. */
  runId: string;
}
