// The SCAYLE Admin API as far as enrichment needs it: one customer update. A second upstream on the same
// HTTP plumbing as the Auth API client (src/upstream/http.ts: one undici Pool, bounded bodies, transport
// failures mapped by code), so its errors are the same AppErrors. The worker decides retry or dead-letter.
import type { Dispatcher } from 'undici';
import { AppError } from '../errors.js';
import { parseBaseUrl } from '../upstream/base-url.js';
import { createUpstreamHttp } from '../upstream/http.js';
import type { UpstreamCallHook, UpstreamLogger } from '../upstream/types.js';
import type { ProfileValues } from './profile-fields.js';
import { PermanentEnrichmentError } from './queue.js';

export interface AdminClientOptions {
  /** e.g. https://acme-live.admin.api.scayle.cloud/api/admin/v1 */
  baseUrl: string;
  /** issue 18 part 4: a function is read per call (a reloaded ADMIN_API_TOKEN applies from the next call on). */
  token: string | (() => string);
  shopKey: string;
  countryCode: string;
  dispatcher?: Dispatcher;
  connectTimeoutMs?: number;
  requestTimeoutMs?: number;
  logger: UpstreamLogger;
  onCall?: UpstreamCallHook | undefined;
}

/** A 4xx other than 408/429: the update can never succeed as sent, so retrying is pointless. */
export class PermanentAdminError extends PermanentEnrichmentError {
  constructor(readonly status: number) {
    super(`Admin API answered ${status} to a customer update`);
  }
}

export interface AdminClient {
  /** Resolves on 2xx; rejects with PermanentAdminError or an AppError (retryable). */
  updateCustomer(customerId: string, values: ProfileValues, requestId: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * THE FIELD MAPPING: our snake_case profile names to the Admin API's customer attributes (birth_date →
 * birthDate). A shop whose fields map differently changes this one function.
 */
export function adminCustomerPatch(values: ProfileValues): Record<string, string> {
  return Object.fromEntries(
    Object.entries(values).map(([name, value]) => [name.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase()), value]),
  );
}

export function createAdminClient(options: AdminClientOptions): AdminClient {
  const base = parseBaseUrl(options.baseUrl);
  const http = createUpstreamHttp({
    base,
    dispatcher: options.dispatcher,
    connectTimeoutMs: options.connectTimeoutMs ?? 2_000,
    requestTimeoutMs: options.requestTimeoutMs ?? 10_000,
    logger: options.logger,
    onCall: options.onCall,
  });
  const shop = `/shops/${encodeURIComponent(options.shopKey)}/countries/${encodeURIComponent(options.countryCode)}`;
  // parseBaseUrl strips a trailing /v1 into basePath's caller convention; the Admin API path keeps it.
  const v1 = options.baseUrl.replace(/\/+$/, '').endsWith('/v1') ? '/v1' : '';

  return {
    async updateCustomer(customerId, values, requestId) {
      const reply = await http.send({
        operation: 'adminUpdateCustomer',
        method: 'PATCH',
        path: `${v1}${shop}/customers/${encodeURIComponent(customerId)}`,
        auth: { kind: 'access-token', token: typeof options.token === 'string' ? options.token : options.token() },
        body: adminCustomerPatch(values),
        ctx: { requestId },
      });
      const { status } = reply;
      if (status >= 200 && status < 300) return;
      if (status >= 400 && status < 500 && status !== 408 && status !== 429) throw new PermanentAdminError(status);
      // Status only: the body may quote the personal data we sent.
      throw new AppError(status === 503 || status === 429 ? 'UPSTREAM_UNAVAILABLE' : 'UPSTREAM_BAD_RESPONSE', {
        cause: new Error(`Admin API answered ${status} to a customer update`),
      });
    },
    close: () => http.close(),
  };
}
