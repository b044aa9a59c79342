// The response schema is a second guard against leaking fields: whatever a handler returns, the
// serializer writes only what the route's schema lists, so a refresh token on the return value never
// reaches the client.
import { describe, expect, it } from 'vitest';
import { responseSerializerCompiler } from '../../src/http/response-serializer.js';
import { sessionInfoResponse, tokenResponse } from '../../src/http/schemas.js';

const serialize = (schema: unknown) =>
  responseSerializerCompiler({ schema, method: 'POST', url: '/auth/token', httpStatus: '200' }) as (data: unknown) => string;

describe('response serialization', () => {
  it('drops a refresh_token (and any other unlisted field) from a token response', () => {
    const out = serialize(tokenResponse)({
      access_token: 'header.payload.sig',
      token_type: 'Bearer',
      expires_in: 299,
      expires_at: '2026-11-24T00:00:00.000Z',
      customer: { id: '1', guest: false, email: 'a@b.c' },
      refresh_token: 'refresh-secret-value',
      refreshToken: 'refresh-secret-value',
    });
    expect(JSON.parse(out)).toEqual({
      access_token: 'header.payload.sig',
      token_type: 'Bearer',
      expires_in: 299,
      expires_at: '2026-11-24T00:00:00.000Z',
      customer: { id: '1', guest: false },
    });
    expect(out).not.toContain('refresh-secret-value');
  });

  it('drops unlisted fields from the session description too', () => {
    const out = serialize(sessionInfoResponse)({
      authenticated: true,
      customer: { guest: true },
      expires_at: 'x',
      idle_expires_at: 'y',
      refreshToken: 'refresh-secret-value',
    });
    expect(out).not.toContain('refresh-secret-value');
  });
});
