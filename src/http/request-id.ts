// Request ids: a caller's x-request-id is reused when it is a sane token (so a storefront can correlate
// its logs with ours and SCAYLE's); anything else is replaced, since the id ends up in logs and headers.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

const SANE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function requestIdFrom(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && SANE_ID.test(given) ? given : randomUUID();
}
