// issue 20: the Cluster slot map of the session cache (which primary reads which session) and the key slot
// it routes by; the real Cluster's CLUSTER KEYSLOT is compared in test/topologies/cluster-session-cache.test.ts.
import { describe, expect, it } from 'vitest';
import { keySlot } from '../../src/redis/key-slot.js';
import { parseClusterSlots, slotsFingerprint } from '../../src/sessions/cache/cluster-map.js';

const node = (port: number, id: string) => ['127.0.0.1', port, id];
const THREE = [
  [0, 5460, node(7001, 'a'), node(7004, 'd')],
  [5461, 10922, node(7002, 'b')],
  [10923, 16383, node(7003, 'c')],
];

describe('the session cache slot map', () => {
  it('names the primary of every slot', () => {
    const map = parseClusterSlots(THREE)!;
    expect(map.primaries.map((p) => p.address)).toEqual(['127.0.0.1:7001', '127.0.0.1:7002', '127.0.0.1:7003']);
    expect([0, 5460, 5461, 10922, 10923, 16383].map((slot) => map.addressOf(slot))).toEqual([
      '127.0.0.1:7001',
      '127.0.0.1:7001',
      '127.0.0.1:7002',
      '127.0.0.1:7002',
      '127.0.0.1:7003',
      '127.0.0.1:7003',
    ]);
  });

  it('refuses a map with a slot that has no primary, or a malformed answer', () => {
    expect(parseClusterSlots(THREE.slice(0, 2))).toBeUndefined();
    expect(parseClusterSlots([[0, 16383, ['', 1, 'x']]])).toBeUndefined();
    expect(parseClusterSlots('nope')).toBeUndefined();
  });

  it('fingerprints change with any primary, id or range, not with the order of the answer or replicas', () => {
    const base = parseClusterSlots(THREE)!.fingerprint;
    expect(slotsFingerprint([...THREE].reverse())).toBe(base);
    expect(slotsFingerprint([THREE[0]!.slice(0, 3), THREE[1], THREE[2]])).toBe(base);
    expect(slotsFingerprint([[0, 5460, node(7004, 'd')], THREE[1], THREE[2]])).not.toBe(base);
    expect(slotsFingerprint([[0, 5459, node(7001, 'a')], [5460, 10922, node(7002, 'b')], THREE[2]])).not.toBe(base);
    expect(slotsFingerprint([THREE[0], [5461, 10922, node(7002, 'z')], THREE[2]])).not.toBe(base);
  });

  it('hashes keys as the Cluster spec does (CRC16 of the first non-empty hash tag)', () => {
    expect(keySlot('123456789')).toBe(0x31c3);
    expect(keySlot('foo')).toBe(12182);
    expect(keySlot('bff:{s:abc}:rec')).toBe(keySlot('s:abc'));
    expect(keySlot('x{}y{z}')).not.toBe(keySlot('z'));
  });
});
