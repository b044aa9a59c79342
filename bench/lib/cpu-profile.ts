// Reads a V8 .cpuprofile (node --cpu-prof) over its last `windowMs` (the measured run, not start-up) and
// ranks self time two ways: by function, and by cost centre (logging, Redis, crypto, …), where a sample
// belongs to the nearest caller that names a library or a file of src/. Write syscalls are kept apart and
// named after their caller, since on this VM they are a large share and only some of them are avoidable.

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface Ranked {
  name: string;
  selfMs: number;
  /** Share of the busy (non-idle) time. */
  share: number;
}

export interface ProfileSummary {
  busyMs: number;
  idleMs: number;
  functions: Ranked[];
  centres: Ranked[];
}

const CENTRES: Array<[string, RegExp]> = [
  ['logging (pino, redaction)', /\/node_modules\/(pino|@pinojs|sonic-boom|pino-std-serializers)\/|log-controller|\/(?:src|dist)\/logger/],
  ['Redis (ioredis, store)', /\/node_modules\/(ioredis|redis-parser|@ioredis|denque|cluster-key-slot)\/|\/(?:src|dist)\/sessions\/redis-/],
  ['JWT verification (jose)', /\/node_modules\/jose\//],
  ['upstream client (undici)', /\/node_modules\/undici\/|\/(?:src|dist)\/upstream\//],
  ['metrics (prom-client)', /\/node_modules\/prom-client\/|\/(?:src|dist)\/metrics\//],
  ['crypto (AES-GCM, SHA-256, random)', /^node:internal\/crypto|\/(?:src|dist)\/sessions\/session-(crypto|id)/],
  ['zod (validation, serialisation)', /\/node_modules\/(fastify-type-provider-zod|zod)\//],
  ['rate limiting', /@fastify\/rate-limit/],
  ['CORS, cookies, load shedding', /@fastify\/(cors|cookie|under-pressure)|\/node_modules\/cookie\//],
  ['service code (src/, or dist/ when built)', /^(?!.*\/node_modules\/).*\/(?:src|dist)\//],
  ['Fastify core', /\/node_modules\/(fastify|find-my-way|avvio|fast-json-stringify|@fastify\/error|toad-cache|fast-querystring)\//],
];
const NODE_IO = /^node:(_http|http|net|internal\/(streams|stream_base|http|net))/;
const WRITES = new Set(['writev', 'writeUtf8String', 'writeString', 'writeBuffer', 'writeLatin1String']);

function centreOf(leaf: ProfileNode, parentOf: Map<number, ProfileNode>): string {
  const fn = leaf.callFrame.functionName;
  if (fn === '(garbage collector)' || fn === '(program)') return fn === '(program)' ? 'V8/native (program)' : 'garbage collection';
  let centre: string | undefined;
  let viaNodeIo = false;
  for (let node: ProfileNode | undefined = leaf; node && !centre; node = parentOf.get(node.id)) {
    const { url } = node.callFrame;
    if (url === '') continue;
    if (NODE_IO.test(url)) viaNodeIo = true;
    else centre = CENTRES.find(([, pattern]) => pattern.test(url))?.[0];
  }
  if (centre === 'Fastify core' && viaNodeIo) centre = 'HTTP response (node:http under Fastify)';
  centre ??= viaNodeIo ? 'HTTP parsing, sockets (node:http, net)' : 'other (node internals, microtasks)';
  return WRITES.has(fn) ? `write syscall: ${centre}` : centre;
}

function label({ functionName, url, lineNumber }: ProfileNode['callFrame']): string {
  const name = functionName || '(anonymous)';
  if (url === '') return name;
  const pkg = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)?.[1];
  const where =
    pkg ?? (url.startsWith('node:') ? url.replace(/^node:(internal\/)?/, 'node:') : (/\/((?:src|dist|bench)\/.+)$/.exec(url)?.[1] ?? url));
  return `${name} — ${where}:${lineNumber + 1}`;
}

function rank(totals: Map<string, number>, busyMs: number, top: number): Ranked[] {
  return [...totals]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, selfMs]) => ({ name, selfMs, share: busyMs > 0 ? selfMs / busyMs : 0 }));
}

export function summariseProfile(profile: CpuProfile, windowMs: number, top = 25): ProfileSummary {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parentOf = new Map<number, ProfileNode>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node);
  // Sample i was taken at startTime + sum(timeDeltas[0..i]) and stands for the interval up to the next one.
  const times: number[] = [];
  let t = profile.startTime;
  for (const delta of profile.timeDeltas) times.push((t += delta));
  const from = profile.endTime - windowMs * 1000;
  const functions = new Map<string, number>();
  const centres = new Map<string, number>();
  let idleMs = 0;
  let busyMs = 0;
  for (let i = 0; i < profile.samples.length; i += 1) {
    const node = byId.get(profile.samples[i]!);
    if (!node || times[i]! < from) continue;
    const ms = ((times[i + 1] ?? profile.endTime) - times[i]!) / 1000;
    if (node.callFrame.functionName === '(idle)') {
      idleMs += ms;
      continue;
    }
    busyMs += ms;
    const name = label(node.callFrame);
    const centre = centreOf(node, parentOf);
    functions.set(name, (functions.get(name) ?? 0) + ms);
    centres.set(centre, (centres.get(centre) ?? 0) + ms);
  }
  return { busyMs, idleMs, functions: rank(functions, busyMs, top), centres: rank(centres, busyMs, top) };
}
