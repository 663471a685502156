import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NotFoundError } from '../../src/index.js';
import { CliError } from '../../src/shared/errors.js';
import { commonPrefixLength, idInMessage, resolveId, shortestUniquePrefixes, shortIds } from '../../src/shared/id-prefix.js';
import { tempDir } from '../helpers/temp.js';
import { withStore } from '../cli/run-cli.js';

describe('shortestUniquePrefixes', () => {
  it('shortens to at least the minimum, longer where ids share a prefix', () => {
    const ids = ['0192f3a4-5b6c-7d8e-9f01-23456789abcd', '0192f3a4-5b6c-7d8e-9f01-23456789abce', '0193aaaa-0000-7000-8000-000000000000'];
    const short = shortestUniquePrefixes(ids, [], 8);
    expect(short.get(ids[0]!)).toBe('0192f3a4-5b6c-7d8e-9f01-23456789abcd');
    expect(short.get(ids[2]!)).toBe('0193aaaa');
    expect(shortestUniquePrefixes(['abc'], [], 8).get('abc')).toBe('abc');
    expect(shortestUniquePrefixes(['abcdefghij'], ['abcdefghiz'], 4).get('abcdefghij')).toBe('abcdefghij');
  });

  it('property: every short form is a prefix of its id that no other id starts with (unless it is the whole id)', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.string({ unit: fc.constantFrom('a', 'b', '0', '-'), minLength: 1, maxLength: 12 }), { minLength: 1, maxLength: 30 }), fc.integer({ min: 1, max: 10 }), (ids, min) => {
        const short = shortestUniquePrefixes(ids, [], min);
        for (const id of ids) {
          const s = short.get(id)!;
          expect(id.startsWith(s)).toBe(true);
          expect(s.length).toBeGreaterThanOrEqual(Math.min(min, id.length));
          if (s !== id) for (const other of ids) if (other !== id) expect(other.startsWith(s)).toBe(false);
        }
      }),
    );
  });

  it('commonPrefixLength', () => {
    expect(commonPrefixLength('abc', 'abd')).toBe(2);
    expect(commonPrefixLength('', 'x')).toBe(0);
    expect(commonPrefixLength('same', 'same')).toBe(4);
  });
});

describe('resolveId against a store', () => {
  it('matches prefixes exactly (no LIKE wildcards), exact ids win, ambiguity lists candidates', () => {
    const dir = tempDir();
    withStore(dir, (store) => {
      const notes = store.collection({ name: 'notes' });
      notes.createMany([{ id: 'a_c' }, { id: 'abc' }, { id: 'abcd' }, { id: 'a%z' }, { id: 'xyz1' }]);
      store.collection({ name: 'tags' }).create({ id: 'xyz2' });
      store.collection({ name: 'tags' }).create({ id: 'gone' });
      store.collection({ name: 'tags' }).delete('gone');

      expect(resolveId(store, 'a_')).toEqual({ collection: 'notes', id: 'a_c' });
      expect(resolveId(store, 'a%')).toEqual({ collection: 'notes', id: 'a%z' });
      expect(resolveId(store, 'abc')).toEqual({ collection: 'notes', id: 'abc' });
      expect(resolveId(store, 'abcd')).toEqual({ collection: 'notes', id: 'abcd' });
      expect(resolveId(store, 'xyz2')).toEqual({ collection: 'tags', id: 'xyz2' });

      let error: unknown;
      try {
        resolveId(store, 'xyz');
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(CliError);
      expect((error as CliError).message).toMatch(/ambiguous/);
      expect((error as CliError).details.join('\n')).toMatch(/notes\s+xyz1/);
      expect((error as CliError).details.join('\n')).toMatch(/tags\s+xyz2/);

      expect(() => resolveId(store, 'nothing')).toThrow(NotFoundError);
      expect(() => resolveId(store, 'xyz', { collections: ['tags'] })).not.toThrow();
      expect(() => resolveId(store, 'gone')).toThrow(NotFoundError);
      expect(resolveId(store, 'gone', { includeDeleted: true })).toEqual({ collection: 'tags', id: 'gone', deleted: true });
      expect(() => resolveId(store, '')).toThrow(CliError);
    });
  });

  it('quotes an id of more than 200 characters in its messages as its start and length; data keeps the exact id', () => {
    const dir = tempDir();
    withStore(dir, (store) => {
      const notes = store.collection({ name: 'notes' });
      const long = 'p'.repeat(300);
      notes.createMany([{ id: `${long}1` }, { id: `${long}2` }]);
      const huge = 'x'.repeat(10 * 1024 * 1024);
      let error: unknown;
      try {
        resolveId(store, huge);
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(NotFoundError);
      const notFound = error as NotFoundError;
      expect(notFound.message).toBe(`no record has the id or id prefix "${'x'.repeat(100)}"… (10485760 characters)`);
      expect((notFound.data as { id: string }).id).toBe(huge);

      error = undefined;
      try {
        resolveId(store, long);
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(CliError);
      expect((error as CliError).message).toBe(`the id prefix "${'p'.repeat(100)}"… (300 characters) is ambiguous: it matches 2 records`);

      // Up to 200 characters, the id is quoted whole; a cut never splits a surrogate pair.
      expect(idInMessage('y'.repeat(200))).toBe(JSON.stringify('y'.repeat(200)));
      expect(idInMessage(`${'z'.repeat(99)}😀${'z'.repeat(200)}`)).toBe(`"${'z'.repeat(99)}😀"… (301 characters)`);
    });
  });

  it('short ids in tables are unique across the whole store', () => {
    const dir = tempDir();
    withStore(dir, (store) => {
      store.collection({ name: 'notes' }).createMany([{ id: 'abcdefgh-1111' }, { id: 'zzzzzzzz-0000' }]);
      store.collection({ name: 'tags' }).create({ id: 'abcdefgh-1122' });
      const short = shortIds(store, ['abcdefgh-1111', 'zzzzzzzz-0000']);
      expect(short.get('abcdefgh-1111')).toBe('abcdefgh-111');
      expect(short.get('zzzzzzzz-0000')).toBe('zzzzzzzz');
      expect(resolveId(store, short.get('abcdefgh-1111')!).id).toBe('abcdefgh-1111');
    });
  });
});

describe('shortIds on long tables', () => {
  it('reads every live id once and gives the same prefixes as the per-id neighbour lookups', () => {
    const dir = tempDir();
    withStore(dir, (store) => {
      // Ids sharing long prefixes across two collections, plus a deleted near-duplicate.
      const ids = Array.from({ length: 1200 }, (_, i) => `id-${String(i * 7919 % 1201).padStart(4, '0')}-${i % 3 === 0 ? 'x' : 'y'}${i}`);
      store.transaction(() => {
        store.collection({ name: 'notes' }).createMany(ids.slice(0, 800).map((id) => ({ id })));
        store.collection({ name: 'tags' }).createMany(ids.slice(800).map((id) => ({ id })));
        store.collection({ name: 'tags' }).create({ id: 'id-0001-gone' });
        store.collection({ name: 'tags' }).delete('id-0001-gone');
      });
      const shown = ids.slice(0, 700);
      const fast = shortIds(store, shown, 4);
      // The slow path: the same store without liveIds() looks each id's neighbours up.
      const slow = shortIds({ collectionNames: () => store.collectionNames(), collection: (o) => store.collection(o) }, shown.slice(0, 50), 4);
      for (const id of shown.slice(0, 50)) expect(fast.get(id)).toBe(slow.get(id));
      for (const id of shown) {
        const s = fast.get(id)!;
        expect(id.startsWith(s)).toBe(true);
        expect(resolveId(store, s).id).toBe(id);
      }
    });
  });
});

describe('shortIds on short tables', () => {
  it('reads a collection no bigger than the lookups whole, with the same prefixes as the per-id lookups', () => {
    const dir = tempDir();
    withStore(dir, (store) => {
      // tags: 4 live records (read whole for 3 shown ids); notes: 40 (looked up per id).
      store.collection({ name: 'tags' }).createMany(['ab12-1', 'ab12-2', 'ab13-0', 'zz00-0', 'zz01-9'].map((id) => ({ id })));
      store.collection({ name: 'tags' }).delete('zz01-9'); // a tombstone must not lengthen zz00-0's prefix
      store.collection({ name: 'notes' }).createMany(Array.from({ length: 40 }, (_, i) => ({ id: `ab1${i % 4}-${String(i).padStart(2, '0')}` })));
      const shown = ['ab12-1', 'ab12-2', 'zz00-0'];
      const fast = shortIds(store, shown, 2);
      const slow = shortIds({ collectionNames: () => store.collectionNames(), collection: (o) => store.collection(o) }, shown, 2);
      expect(fast).toEqual(slow);
      expect(fast.get('ab12-1')).toBe('ab12-1');
      expect(fast.get('zz00-0')).toBe('zz');
      for (const id of shown) expect(resolveId(store, fast.get(id)!).id).toBe(id);
    });
  });
});

describe('shortIds searches the id index in its own order', () => {
  it('property: ids with characters above U+FFFF and in U+E000–U+FFFF get the same prefixes as the per-id lookups', () => {
    const dir = tempDir();
    withStore(dir, (store) => {
      let run = 0;
      fc.assert(
        fc.property(
          // UTF-16 order and the cache's (code point) order disagree exactly where these meet.
          fc.uniqueArray(fc.string({ unit: fc.constantFrom('a', '\uffee', '\u{1f600}'), minLength: 1, maxLength: 5 }), { minLength: 2, maxLength: 40 }),
          (ids) => {
            const name = `p${run++}`;
            store.collection({ name }).createMany(ids.map((id) => ({ id })));
            // Every other id is shown, so the others' neighbours come from the index. Through
            // liveIds() (a collection read whole: shown ids × 2 ≥ its live records) and without it.
            const shown = ids.filter((_, i) => i % 2 === 0);
            const fast = shortIds(store, shown, 1);
            const slow = shortIds({ collectionNames: () => store.collectionNames(), collection: (o) => store.collection(o) }, shown, 1);
            expect(fast).toEqual(slow);
            for (const id of ids) store.collection({ name }).delete(id);
          },
        ),
        { numRuns: 60 },
      );
    });
  });
});

describe('shortIds on a long table beside a large collection', () => {
  it('seeks the neighbours in a collection far larger than the ids shown instead of reading all its ids', () => {
    const dir = tempDir();
    withStore(dir, (store) => {
      const big = Array.from({ length: 30000 }, (_, i) => `ev-${String(i).padStart(6, '0')}`);
      store.collection({ name: 'events' }).createMany(big.map((id) => ({ id })));
      const shown = Array.from({ length: 1500 }, (_, i) => `ev-${String(i * 20 + 1).padStart(6, '0')}x`);
      store.collection({ name: 'notes' }).createMany(shown.map((id) => ({ id })));
      let idsRead = 0;
      const counting = {
        collectionNames: () => store.collectionNames(),
        collection: (o: { name: string }) => store.collection(o),
        liveIds: (name: string) => {
          const ids = store.liveIds(name);
          idsRead += ids.length;
          return ids;
        },
        liveNeighbourIds: (name: string, ids: readonly string[]) => store.liveNeighbourIds(name, ids),
      };
      const short = shortIds(counting, shown, 4);
      // 1,500 shown ids (notes, read whole) and never the 30,000 events' ids.
      expect(idsRead).toBeLessThanOrEqual(shown.length);
      const slow = shortIds({ collectionNames: () => store.collectionNames(), collection: (o) => store.collection(o) }, shown.slice(0, 40), 4);
      for (const id of shown.slice(0, 40)) expect(short.get(id)).toBe(slow.get(id));
      for (const id of shown) {
        expect(short.get(id)).toBe(id); // ev-000001 is a live event: only the whole id is unique
        expect(resolveId(store, short.get(id)!).id).toBe(id);
      }
    });
  });
});

describe('shortIds on a table of 150,000 ids', () => {
  it('shortens them all beside a larger collection (its neighbours were spread as arguments and overflowed the stack)', () => {
    const dir = tempDir();
    withStore(dir, (store) => {
      const shown = Array.from({ length: 150_000 }, (_, i) => `n-${String(i).padStart(7, '0')}`);
      store.collection({ name: 'notes' }).createMany(shown.map((id) => ({ id })));
      store.collection({ name: 'events' }).createMany(Array.from({ length: 310_000 }, (_, i) => ({ id: `n-${String(i).padStart(7, '0')}e` })));
      const short = shortIds(store, shown, 4);
      expect(short.size).toBe(shown.length);
      // n-0000001 is a prefix of the event n-0000001e: only the whole id is unique.
      for (const id of shown) expect(short.get(id)).toBe(id);
    });
  }, 120_000);
});
