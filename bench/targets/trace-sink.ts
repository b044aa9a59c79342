// The cheapest OTLP/HTTP collector there is: it accepts every export POST with an empty 200 (a valid
// ExportTraceServiceResponse) and discards it, so the traced service pays its exporter's real cost
// (batching, protobuf encoding, an HTTP POST) and nothing more. GET /stats says what arrived: export
// requests, bytes, and how often each span name in `names` occurs (protobuf keeps strings as raw UTF-8,
// so a byte search counts the spans by name without decoding).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { announce, exitOnSignal, targetOptions } from './child.js';

const { names } = targetOptions<{ names: string[] }>();
const needles = names.map((name) => Buffer.from(name));
const stats = { exports: 0, bytes: 0, spansByName: Object.fromEntries(names.map((name) => [name, 0])) };

function count(body: Buffer, needle: Buffer): number {
  let found = 0;
  for (let at = body.indexOf(needle); at !== -1; at = body.indexOf(needle, at + needle.length)) found += 1;
  return found;
}

const server = createServer((request, response) => {
  if (request.method === 'GET' && request.url === '/stats') {
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(stats));
    return;
  }
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    const body = Buffer.concat(chunks);
    stats.exports += 1;
    stats.bytes += body.length;
    needles.forEach((needle, i) => (stats.spansByName[names[i]!]! += count(body, needle)));
    response.writeHead(200, { 'content-type': request.headers['content-type'] ?? 'application/x-protobuf' }).end();
  });
});
server.listen(0, '127.0.0.1', () => {
  exitOnSignal(() => new Promise((done) => server.close(() => done())));
  announce(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});
