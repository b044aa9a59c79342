// Normalises the configured Auth API address: the client appends /v1/... itself and JWKS sits beside /v1.

export interface UpstreamBase {
  /** scheme://host[:port], what the undici Pool is bound to. */
  origin: string;
  /** Any path prefix before /v1 (empty for SCAYLE itself; lets the emulator be mounted under a path). */
  basePath: string;
}

/** Accepts `https://x.auth.scayle.cloud`, `…/`, `…/v1` and `…/v1/`; query and fragment are ignored. */
export function parseBaseUrl(baseUrl: string): UpstreamBase {
  const url = new URL(baseUrl);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new TypeError('SCAYLE base URL must be http(s)');
  }
  let basePath = url.pathname.replace(/\/+$/, '');
  if (basePath.endsWith('/v1')) basePath = basePath.slice(0, -'/v1'.length);
  return { origin: url.origin, basePath };
}
