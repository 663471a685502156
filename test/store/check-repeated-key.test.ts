/**
 * A log line another program wrote may hold a key twice in one object (JSON allows it;
 * TaskStore never writes one). Reads (`JSON.parse`) then take the last value and queries
 * and indexes (SQLite) the first: `check()` reports each such line as `repeated_key`.
 */
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Store } from '../../src/index.js';
import { repeatedKey, repeatedKeyOfParsed } from '../../src/shared/json-keys.js';
import { quietLogger } from '../helpers/logger.js';
import { tempDir } from '../helpers/temp.js';

describe('check() and a key written twice in one log line', () => {
  it('reports each such line (top level, nested, in an array; a Rust-format line too), and not keys repeated across objects or colons in strings', () => {
    const dir = tempDir();
    const seed = Store.open(dir, { durability: 'none', logger: quietLogger() });
    seed.collection({ name: 'notes' }).create({ id: 'first', status: 'open' });
    seed.close();
    appendFileSync(
      join(dir, 'notes.jsonl'),
      [
        '{"id":"a","status":"open","status":"done","updated_at":5}',
        '{"id":"b","meta":{"k":1,"k":2},"updated_at":6}',
        '{"id":"c","url":"https://h:8080/x","at":"10:30:00","k":{"k":{"k":"k:k"}},"l":[{"k":1},{"k":2}],"updated_at":7}',
        '{"id":"d","l":[1,{"x":1,"x":2}],"updated_at":8}',
        '{"id":"e","updated_at":9,"updated_at":10}',
        '',
      ].join('\n'),
    );
    // A Rust-format line (updated_at filled in from created_at) with a repeat, and one without.
    appendFileSync(join(dir, 'repo_state.jsonl'), '{"repo_path":"/r1","last_synced_commit":"c1","created_at":1}\n{"repo_path":"/r2","last_synced_commit":"x","last_synced_commit":"y","created_at":2}\n');
    const store = Store.open(dir, { durability: 'none', logger: quietLogger() });
    try {
      const notes = store.collection({ name: 'notes' });
      // What the report is about: the record reads one way and is found another.
      expect(notes.get('a')?.status).toBe('done');
      expect(notes.list({ where: { status: 'open' } }).map((r) => r.id).sort()).toEqual(['a', 'first']);

      const report = store.check();
      const repeated = report.problems.filter((p) => p.kind === 'repeated_key');
      expect(repeated.map((p) => `${p.collection}:${p.line}:${p.id}`)).toEqual(['notes:2:a', 'notes:3:b', 'notes:5:d', 'notes:6:e', 'repo_state:2:/r2']);
      expect(repeated[0]!.message).toContain('"status" twice');
      expect(report.ok).toBe(false);
    } finally {
      store.close();
    }
  });

  it('names at most 20 lines per collection and counts the rest', () => {
    const dir = tempDir();
    const lines = Array.from({ length: 25 }, (_, i) => `{"id":"r${i}","v":1,"v":2,"updated_at":${i + 1}}\n`).join('');
    appendFileSync(join(dir, 'notes.jsonl'), lines);
    const store = Store.open(dir, { durability: 'none', logger: quietLogger() });
    try {
      const repeated = store.check().problems.filter((p) => p.kind === 'repeated_key');
      expect(repeated).toHaveLength(21);
      expect(repeated[20]!.message).toBe('notes.jsonl: 5 more line(s) write a key twice in one object');
    } finally {
      store.close();
    }
  });
});

describe('repeatedKeyOfParsed (the shortcut check() takes)', () => {
  /** A JSON object's text in which some members are written twice (the earlier copy with another value). */
  const textWithRepeats = fc
    .record({
      value: fc.dictionary(fc.string({ maxLength: 4 }), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 6 }),
      repeat: fc.array(fc.nat(), { maxLength: 3 }),
      spaces: fc.constantFrom('', ' ', '\n  '),
    })
    .map(({ value, repeat, spaces }) => {
      const keys = Object.keys(value);
      const members = keys.map((k) => `${JSON.stringify(k)}${spaces}:${spaces}${JSON.stringify(value[k])}`);
      for (const r of repeat) if (keys.length > 0) members.unshift(`${JSON.stringify(keys[r % keys.length])}:"earlier: value"`);
      return `{${spaces}${members.join(`,${spaces}`)}}`;
    });

  it('property: says what the tokenizer says, for texts with and without repeated keys, nested and with colons in strings', () => {
    fc.assert(
      fc.property(fc.oneof(textWithRepeats, fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify({ v, s: 'a:b' }))), (text) => {
        expect(repeatedKeyOfParsed(text, JSON.parse(text))).toBe(repeatedKey(text));
      }),
      { numRuns: 1000 },
    );
  });

  it('counts the keys set after parsing apart', () => {
    const text = '{"a":1,"a":2}';
    const parsed = { ...JSON.parse(text), id: 'x' };
    expect(repeatedKeyOfParsed(text, parsed)).toBeUndefined(); // a key more than the text: looks clean
    expect(repeatedKeyOfParsed(text, parsed, 1)).toBe('a');
  });
});
