// What the service accepts as a request body (bff-api.md "Methods and bodies"): JSON on the routes that
// declare a body, 415 for any other media type there; routes without a body take none, an empty one or
// `{}`, anything else is a 400. GET counts too: its body is read like any other, so it can be refused.
import type { FastifyInstance, FastifyRequest, preValidationHookHandler } from 'fastify';
import fp from 'fastify-plugin';
import { AppError } from '../errors.js';

const takesBody = (request: FastifyRequest): boolean => request.routeOptions.schema?.body !== undefined;

const isEmptyObject = (value: unknown): boolean =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length === 0;

const bodyRefused = (): AppError =>
  new AppError('VALIDATION_FAILED', { errors: [{ path: '(body)', message: 'This route takes no body (an empty one or {} is fine)' }] });

export const requestBodiesPlugin = fp(
  async (app: FastifyInstance) => {
    app.addHttpMethod('GET', { hasBody: true, overrideExisting: true });
    const parseJson = app.getDefaultJsonParser('error', 'error');
    // Only these two: Fastify's text/plain parser would hand a JSON route a string, i.e. a 400 where
    // every other non-JSON media type gets 415.
    app.removeAllContentTypeParsers();

    // `fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' } })` with no body is
    // what many clients send to bodiless routes (token, logout): an empty JSON body reads as no body.
    // Anything else goes through Fastify's own parser (prototype-poisoning protection included).
    app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
      const text = typeof body === 'string' ? body : body.toString('utf8');
      // An unknown path answers 404 or 405 whatever its body holds.
      if (request.is404 || text.trim() === '') {
        done(null, undefined);
        return;
      }
      void parseJson(request, text, done);
    });

    // Every other media type, and a body without a content-type. Read (within the body limit) rather than
    // refused on its header: `fetch(url, { method: 'POST', body: '' })` sends an empty text/plain body.
    app.addContentTypeParser('*', { parseAs: 'buffer' }, (request, body, done) => {
      if (request.is404 || body.length === 0) {
        done(null, undefined);
        return;
      }
      done(takesBody(request) ? new AppError('UNSUPPORTED_MEDIA_TYPE') : bodyRefused(), undefined);
    });

    // Attached to the bodiless routes as they are registered, so routes with a body pay nothing for it.
    // Callback style: no promise per request on the bodiless hot routes (token, session).
    const refuseBodies: preValidationHookHandler = (request, _reply, done) => {
      done(request.body !== undefined && !isEmptyObject(request.body) ? bodyRefused() : undefined);
    };
    app.addHook('onRoute', (route) => {
      if (route.schema?.body !== undefined) return;
      const existing =
        route.preValidation === undefined ? [] : Array.isArray(route.preValidation) ? route.preValidation : [route.preValidation];
      route.preValidation = [refuseBodies, ...existing];
    });
  },
  { name: 'request-bodies' },
);
