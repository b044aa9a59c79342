// issue 20: the 200 answers of GET /auth/session and POST /auth/token depend only on the session record
// (and the token's on the current second), and a record is one frozen object shared by every request of
// the session while it is unchanged (the session cache, or the opened-record memo). So each body is
// serialised once, by the route's own serializer (the same schema, the same whitelisted fields), and the
// string is sent again until the record or the second changes. Kept beside the record: it goes with it.
import type { FastifyReply } from 'fastify';

/** A body remembered per record, valid while `stamp` (e.g. the seconds left on the token) is unchanged. */
export function serializedBodies<K extends object>() {
  const bodies = new WeakMap<K, { stamp: number; body: string }>();
  return (record: K, stamp: number, serialize: () => string): string => {
    const known = bodies.get(record);
    if (known?.stamp === stamp) return known.body;
    const body = serialize();
    bodies.set(record, { stamp, body });
    return body;
  };
}

/** The route's serialisation of `value` for the reply's status (its compiled response schema). */
export function serializeFor(reply: FastifyReply, value: unknown): string {
  const body = reply.serialize(value);
  // The compiled response schemas (http/response-serializer.ts) write strings; anything else is a bug here.
  if (typeof body !== 'string') throw new TypeError('the route serializer returned no string');
  return body;
}

/** Sends a serialised JSON body: with the content type Fastify sets for an object, a string is sent as it is. */
export function sendSerialized(reply: FastifyReply, body: string): FastifyReply {
  return reply.type('application/json; charset=utf-8').send(body);
}
