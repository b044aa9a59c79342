// A small fixed pool of worker threads for CPU-bound hashing that has no async binding (phpass): jobs go
// to the worker with the fewest in flight, workers start on first use, are unref'd (an idle pool never
// holds the process open) and are replaced when one dies. The build runs the compiled .js worker; under
// tsx or vitest (source .ts) a worker cannot take loader flags, so a bootstrap registers tsx's require
// hook and loads the .ts source.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

export interface WorkerPool<In, Out> {
  run(input: In): Promise<Out>;
  close(): Promise<void>;
}

interface Slot<Out> {
  worker: Worker;
  pending: Map<number, { resolve: (value: Out) => void; reject: (error: Error) => void }>;
}

/** `moduleUrl` is the worker module beside the caller, e.g. `new URL('./x-worker.js', import.meta.url)`. */
export function createWorkerPool<In extends object, Out>(moduleUrl: URL, size: number, pick: (reply: unknown) => Out): WorkerPool<In, Out> {
  const spawn = import.meta.url.endsWith('.ts') ? sourceWorker(moduleUrl) : () => new Worker(moduleUrl);
  const slots: (Slot<Out> | undefined)[] = new Array<Slot<Out> | undefined>(size).fill(undefined);
  let nextId = 0;
  let closed = false;

  const start = (index: number): Slot<Out> => {
    const worker = spawn();
    worker.unref();
    const slot: Slot<Out> = { worker, pending: new Map() };
    worker.on('message', (reply: { id: number }) => {
      const job = slot.pending.get(reply.id);
      slot.pending.delete(reply.id);
      if (slot.pending.size === 0) worker.unref();
      job?.resolve(pick(reply));
    });
    const fail = (error: Error): void => {
      if (slots[index] === slot) slots[index] = undefined;
      for (const job of slot.pending.values()) job.reject(error);
      slot.pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', () => fail(new Error('hash worker exited')));
    slots[index] = slot;
    return slot;
  };

  return {
    run(input) {
      if (closed) return Promise.reject(new Error('worker pool is closed'));
      let index = 0;
      for (let i = 1; i < size; i += 1) if ((slots[i]?.pending.size ?? 0) < (slots[index]?.pending.size ?? 0)) index = i;
      const slot = slots[index] ?? start(index);
      const id = (nextId += 1);
      return new Promise<Out>((resolve, reject) => {
        slot.pending.set(id, { resolve, reject });
        // Referenced while it has work, so a CLI waiting on a check does not exit early.
        slot.worker.ref();
        slot.worker.postMessage({ ...input, id });
      });
    },
    async close() {
      closed = true;
      await Promise.all(slots.flatMap((slot) => (slot ? [slot.worker.terminate()] : [])));
      slots.fill(undefined);
    },
  };
}

function sourceWorker(moduleUrl: URL): () => Worker {
  const tsx = createRequire(import.meta.url).resolve('tsx/cjs/api');
  const file = fileURLToPath(moduleUrl).replace(/\.js$/, '.ts');
  const bootstrap = `require(${JSON.stringify(tsx)}).register(); require(${JSON.stringify(file)});`;
  return () => new Worker(bootstrap, { eval: true });
}
