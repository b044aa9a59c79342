// Bench target processes: spawned with `node --import tsx`, so the child's pid is the process under test
// and /proc/<pid>/stat holds its CPU alone (all its threads, libuv's pool included), never the parent's.
// A target's stdout goes to /dev/null, so the service logs exactly as in production (its own default
// destination) without a pipe for this process to drain; the URL is announced on fd 3 instead.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Readable } from 'node:stream';

export const ROOT = resolve(import.meta.dirname, '../..');

export interface Target {
  name: string;
  url: string;
  pid: number;
  /** What else the target announced besides its URL (e.g. the memory probe's URL). */
  info?: Record<string, unknown>;
  /** SIGTERM, then SIGKILL after 10 s; resolves when the process has exited. Idempotent. */
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Passed to the child as BENCH_TARGET_OPTIONS (JSON). */
  options?: unknown;
  env?: Record<string, string>;
  /** Extra node flags, e.g. `--cpu-prof`. */
  nodeArgs?: string[];
}

// A parent that dies (crash, Ctrl-C) must not leave targets holding ports and Redis connections.
const running = new Set<ChildProcess>();
process.once('exit', () => killAllTargets());

/** SIGKILLs every target still running (on exit or interrupt, before the run's keys are deleted). */
export function killAllTargets(): void {
  for (const child of running) child.kill('SIGKILL');
}

/** Starts `bench/targets/<script>` and resolves once it has announced its URL. */
export function startTarget(name: string, script: string, start: StartOptions = {}): Promise<Target> {
  const child = spawn(process.execPath, [...(start.nodeArgs ?? []), '--import', 'tsx', resolve(ROOT, 'bench/targets', script)], {
    cwd: ROOT,
    env: { ...process.env, ...start.env, BENCH_TARGET_OPTIONS: JSON.stringify(start.options ?? {}) },
    stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
  });
  const announcements = child.stdio[3] as Readable;
  running.add(child);
  child.once('exit', () => running.delete(child));
  let stderr = '';
  (child.stdio[2] as Readable).on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  return new Promise((resolveStart, reject) => {
    let buffered = '';
    let started = false;
    const timer = setTimeout(() => fail(new Error(`${name} did not start within 60 s`)), 60_000);
    const fail = (error: Error): void => {
      if (started) return;
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`${error.message}\n${stderr}`));
    };
    child.once('exit', (code) => fail(new Error(`${name} exited (code ${code}) before announcing its URL`)));
    announcements.on('data', (chunk: Buffer) => {
      if (started) return;
      buffered += chunk.toString();
      const line = buffered.split('\n').find((l) => l.startsWith('{"url"'));
      if (line === undefined || started) return;
      started = true;
      clearTimeout(timer);
      const { url, pid: _pid, ...info } = JSON.parse(line) as { url: string; pid: number };
      resolveStart({ name, url, pid: child.pid!, info, stop: stopper(child, exited) });
    });
  });
}

function stopper(child: ChildProcess, exited: Promise<void>): () => Promise<void> {
  let stopping: Promise<void> | undefined;
  return () =>
    (stopping ??= (async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    })());
}

let clockTicks: number | undefined;
/** Clock ticks per second of /proc times (`getconf CLK_TCK`, 100 almost everywhere). */
export function clkTck(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** utime + stime of a process, in microseconds. */
export function cpuMicros(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the parenthesised command name start at field 3 (state); utime is 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / clkTck();
}

/**
 * utime + stime per thread name, in microseconds: "main" for the main thread, the rest summed by
 * /proc/<pid>/task/<tid>/comm (Node 20 names V8's helpers and libuv's pool alike "node"; issue 20: which
 * thread pays).
 */
export function cpuMicrosByThread(pid: number): Map<string, number> {
  const byName = new Map<string, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const name = tid === String(pid) ? 'main' : readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const micros = ((Number(fields[11]) + Number(fields[12])) * 1e6) / clkTck();
      byName.set(name, (byName.get(name) ?? 0) + micros);
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return byName;
}

/** Whether /proc shows this pid (a Redis in another container or VM does not). */
export function visiblePid(pid: number): boolean {
  try {
    cpuMicros(pid);
    return true;
  } catch {
    return false;
  }
}

/** Resident set size (VmRSS) in bytes. */
export function rssBytes(pid: number): number {
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) * 1024 : 0;
}
