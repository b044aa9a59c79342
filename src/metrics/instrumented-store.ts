// A SessionStore decorator that times every call and counts the ones that failed because the store was
// unreachable. Label children are bound once per operation and shop, so a call costs two clock reads and one
// observation.
import { StoreUnavailableError, type SessionStore } from '../sessions/store.js';
import { DEFAULT_SHOP, type Metrics } from './metrics.js';

type Operation = Exclude<keyof SessionStore, 'close'>;

const OPERATIONS = [
  'create',
  'get',
  'compareAndSet',
  'destroy',
  'isTombstoned',
  'acquireLock',
  'renewLock',
  'releaseLock',
  'putSide',
  'getSide',
  'indexAdd',
  'indexRemove',
  'indexList',
  'indexPage',
  'indexSize',
  'ping',
] as const satisfies readonly Operation[];

// Compile-time check that OPERATIONS names every method but close: a new store method must be listed.
type Missing = Exclude<Operation, (typeof OPERATIONS)[number]>;
const _complete: Missing extends never ? true : never = true;

type Methods = Record<Operation, (...args: unknown[]) => Promise<unknown>>;

/** `shop`: the `shop` label of this store's calls (the context's shop; "default" without SHOPS_FILE). */
export function instrumentStore(store: SessionStore, metrics: Metrics, shop = DEFAULT_SHOP): SessionStore {
  const target = store as unknown as Methods;
  const wrapped = { close: () => store.close() } as SessionStore;
  for (const operation of OPERATIONS) {
    const duration = metrics.storeDuration.labels({ operation, shop });
    const errors = metrics.storeErrors.labels({ operation, shop });
    const timed = async (...args: unknown[]): Promise<unknown> => {
      const started = performance.now();
      try {
        return await target[operation](...args);
      } catch (error) {
        if (error instanceof StoreUnavailableError) errors.inc();
        throw error;
      } finally {
        duration.observe((performance.now() - started) / 1000);
      }
    };
    (wrapped as unknown as Methods)[operation] = timed;
  }
  return wrapped;
}
