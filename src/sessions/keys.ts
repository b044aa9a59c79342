// The one place that names Redis keys: every key of one session shares a `{s:<sid>}` hash tag so a Lua
// script touches one Cluster slot; the customer index lives in its own `{c:<key>}` slot.

export interface SessionKeys {
  readonly prefix: string;
  record(sid: string): string;
  tombstone(sid: string): string;
  lock(sid: string): string;
  /** One hash per session holding all its side records (field = name); see redis-store.ts. */
  sides(sid: string): string;
  index(customerKey: string): string;
  /** issue 20: the sid whose record `key` is (an invalidation message names keys), else undefined. */
  sidOfRecord(key: string): string | undefined;
}

// A brace in a prefix or id would move or split the hash tag and scatter one session over slots.
function checkPart(part: string, what: string): string {
  if (typeof part !== 'string' || part.length === 0 || /[{}]/.test(part)) {
    throw new TypeError(`${what} must be a non-empty string without braces`);
  }
  return part;
}

export function createKeyBuilder(prefix = 'bff:'): SessionKeys {
  if (typeof prefix !== 'string' || /[{}]/.test(prefix)) {
    throw new TypeError('key prefix must be a string without braces');
  }
  const session = (sid: string): string => `${prefix}{s:${checkPart(sid, 'sid')}}`;
  return {
    prefix,
    record: (sid) => `${session(sid)}:rec`,
    tombstone: (sid) => `${session(sid)}:tomb`,
    lock: (sid) => `${session(sid)}:lock`,
    sides: (sid) => `${session(sid)}:side`,
    index: (customerKey) => `${prefix}{c:${checkPart(customerKey, 'customer key')}}:idx`,
    sidOfRecord: (key) => {
      const head = `${prefix}{s:`;
      if (!key.startsWith(head) || !key.endsWith('}:rec')) return undefined;
      const sid = key.slice(head.length, -'}:rec'.length);
      return sid.length > 0 && !/[{}]/.test(sid) ? sid : undefined;
    },
  };
}
