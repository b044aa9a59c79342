// Response serialization: each route's zod response schema is turned into JSON Schema once and compiled
// with fast-json-stringify, Fastify's own serializer. It writes only the properties the schema lists, so a
// refresh token on a handler's return value never reaches the client; and unlike re-parsing every answer
// with zod (bench/RESULTS.md §8) it costs almost nothing per request.
import fastJson from 'fast-json-stringify';
import type { FastifySerializerCompiler } from 'fastify';
import { z } from 'zod';

export const responseSerializerCompiler: FastifySerializerCompiler<unknown> = ({ schema }) => {
  if (!(schema instanceof z.ZodType)) return (data: unknown) => JSON.stringify(data);
  const jsonSchema = z.toJSONSchema(schema, { io: 'output', target: 'draft-7', unrepresentable: 'any' });
  return fastJson(jsonSchema as Parameters<typeof fastJson>[0]);
};
