// The CredentialStore contract as one suite (as store-contract.ts is for sessions): credential-store.test.ts
// runs it against memory and one Redis node, test/topologies/ against a real Cluster. Records in and out as
// copies, create vs update counted, the migrated mark kept across re-imports and never recreating a deleted
// record, pages of summaries, deletes, the dummy.
import { describe, expect, it } from 'vitest';
import type { CredentialStore } from '../../src/migration/credential-store.js';

export function describeCredentialStoreContract(name: string, make: () => Promise<CredentialStore>): void {
  describe(`CredentialStore contract: ${name}`, () => {
    it('creates, then updates, and keeps the migrated mark across a re-import', async () => {
      const store = await make();
      expect(
        await store.putMany([
          { id: 'a', sealed: Buffer.from('one'), format: 'bcrypt' },
          { id: 'b', sealed: Buffer.from('two'), format: 'phpass' },
        ]),
      ).toEqual({
        created: 2,
        updated: 0,
      });
      expect(await store.markMigrated('a', 1234)).toBe(true);
      expect(await store.putMany([{ id: 'a', sealed: Buffer.from('three'), format: 'argon2' }])).toEqual({ created: 0, updated: 1 });
      const a = await store.get('a');
      expect(a?.sealed.toString()).toBe('three');
      expect(a).toMatchObject({ format: 'argon2', migratedAt: 1234 });
      expect((await store.get('b'))?.migratedAt).toBeUndefined();
      expect(await store.get('missing')).toBeNull();
    });

    it('never recreates a deleted record when marking it', async () => {
      const store = await make();
      await store.putMany([{ id: 'gone', sealed: Buffer.from('x'), format: 'bcrypt' }]);
      expect(await store.deleteMany(['gone', 'never'])).toBe(1);
      expect(await store.markMigrated('gone', 1)).toBe(false);
      expect(await store.get('gone')).toBeNull();
    });

    it('lists summaries and keeps the dummy', async () => {
      const store = await make();
      await store.putMany([
        { id: 'p', sealed: Buffer.from('x'), format: 'bcrypt' },
        { id: 'q', sealed: Buffer.from('y'), format: 'bcrypt' },
      ]);
      await store.markMigrated('q', 5);
      const all = [];
      for await (const page of store.summaries()) all.push(...page);
      expect(all.sort((x, y) => x.id.localeCompare(y.id))).toEqual([
        { id: 'p', format: 'bcrypt', migrated: false },
        { id: 'q', format: 'bcrypt', migrated: true },
      ]);
      expect(await store.getDummy()).toBeNull();
      await store.setDummy('$2b$10$dummy');
      expect(await store.getDummy()).toBe('$2b$10$dummy');
    });
  });
}
