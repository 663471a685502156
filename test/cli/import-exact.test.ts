/**
 * `import` keeps every digit of every integer, however large: a JSON number beyond ±2^53
 * is rounded by `JSON.parse`, so the stored line takes those digits from the file's text.
 * A property over random records, in both export formats, on a real store.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../src/index.js';
import { importEntries, parseExport } from '../../src/cli/commands/import.js';
import { parseExact, stringifyExact } from '../../src/shared/exact-json.js';
import { tempDir } from '../helpers/temp.js';
import { openStore } from './run-cli.js';

/** Members the store stamps or reserves: left out of the generated records' top level. */
const STAMPED = new Set(['id', 'created_at', 'updated_at', 'deleted']);

/** JSON values whose integers may be of any size (bigints), as a record's fields hold them. */
const json = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }),
    fc.bigInt({ min: 2n ** 53n - 2n, max: 2n ** 53n + 2n }),
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.string(),
    fc.constantFrom('12345678901234567890', 'exact-integer-', '__proto__'),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.oneof(fc.string(), fc.constant('__proto__')), tie('value'), { maxKeys: 4 }),
  ),
})).value;

const fields = fc.dictionary(fc.oneof(fc.string(), fc.constant('__proto__')).filter((k) => !STAMPED.has(k)), json, { maxKeys: 6 });

/** JSON text with bigints as bare digits; with `pretty`, spread over lines as `export --format json` is. */
function write(value: unknown, pretty = false, indent = ''): string {
  const inner = `${indent}  `;
  const join = (items: string[], open: string, close: string): string =>
    items.length === 0 ? `${open}${close}` : pretty ? `${open}\n${inner}${items.join(`,\n${inner}`)}\n${indent}${close}` : `${open}${items.join(',')}${close}`;
  if (typeof value === 'bigint') return value.toString();
  if (Array.isArray(value)) return join(value.map((v) => write(v, pretty, inner)), '[', ']');
  if (typeof value === 'object' && value !== null) {
    return join(Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}:${pretty ? ' ' : ''}${write(v, pretty, inner)}`), '{', '}');
  }
  return JSON.stringify(value);
}

describe('import keeps every digit', () => {
  let store: Store;
  let n = 0;
  beforeEach(() => {
    store = openStore(tempDir('taskstore-import-exact-'));
  });
  afterEach(() => store.close());

  it('the stored line of an imported record holds every field as the file wrote it, integers of any size included (property)', () => {
    fc.assert(
      fc.property(fields, fc.boolean(), (rest, asDocument) => {
        const id = `r${++n}`;
        const record = { id, ...rest };
        const file = asDocument ? `{\n  "notes": [\n    ${write(record, true, '    ')}\n  ]\n}\n` : `{"collection":"notes","record":${write(record)}}\n`;
        importEntries(store, parseExport(file, 'f').entries, 'f');
        const stored = parseExact(store.collection({ name: 'notes' }).getText(id)!) as Record<string, unknown>;
        delete stored.created_at;
        delete stored.updated_at;
        expect(stringifyExact(stored)).toBe(write(record));
      }),
      { numRuns: 150 },
    );
  });

  it('validation still applies to a record holding such an integer, and nothing is imported', () => {
    const prd = `{"collection":"prds","record":{"id":"p-big","title":"t","review_passes":"many","n":12345678901234567890}}\n`;
    expect(() => importEntries(store, parseExport(prd, 'f').entries, 'f')).toThrow(/review_passes/);
    const created = `{"collection":"notes","record":{"id":"c-big","n":12345678901234567890,"created_at":12345678901234567890}}\n`;
    expect(() => importEntries(store, parseExport(created, 'f').entries, 'f')).toThrow(/created_at/);
    const badId = `{"collection":"notes","record":{"id":12345678901234567890}}\n`;
    expect(() => parseExport(badId, 'f')).toThrow(/"id" is not a non-empty string/);
    expect(store.getPrd('p-big')).toBeUndefined();
    expect(existsSync(join(store.dir, 'notes.jsonl'))).toBe(false);
  });
});
