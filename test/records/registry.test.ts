/**
 * The record-type registry drives the reference rules: for every reference it declares,
 * the write check, the delete refusal and check()'s dangling-reference report follow,
 * with no per-reference code elsewhere.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NotFoundError, ReferencedError, Store } from '../../src/index.js';
import { READ_DEFAULTS, RECORD_TYPES, REFERENCE_FIELDS, recordType } from '../../src/records/registry.js';
import { tempDir } from '../helpers/temp.js';
import { quietLogger } from '../helpers/logger.js';

/** One live record of each type, every reference set (to_exec_id too). */
function seed() {
  const store = Store.open(join(tempDir(), '.taskstore'), { durability: 'none', logger: quietLogger() });
  const prd = store.createPrd({ title: 'p' });
  const a = store.createTaskSpec({ prd_id: prd, phase_name: 'a' });
  const b = store.createTaskSpec({ prd_id: prd, phase_name: 'b', dependencies: [a] });
  const e1 = store.createExecution({ ts_id: a, worktree_path: '/w1', branch_name: 'x' });
  const e2 = store.createExecution({ ts_id: b, worktree_path: '/w2', branch_name: 'y' });
  const dep = store.createDependency({ from_exec_id: e1, to_exec_id: e2, dependency_type: 'notify' });
  /** The record of each collection that holds references. */
  const holder: Record<string, string> = { task_specs: b, executions: e1, dependencies: dep };
  // A reference the registry declares beyond these (a new field) is set too, to a live record
  // of its type, so every test below covers it without a change here.
  for (const ref of REFERENCE_FIELDS) {
    const records = store.collection({ name: ref.from });
    const value = (records.get(holder[ref.from]!) as Record<string, unknown>)[ref.field];
    if (value === undefined || value === null) {
      const target = store.liveIds(ref.to).find((id) => id !== holder[ref.from]);
      records.patch(holder[ref.from]!, { [ref.field]: ref.many === true ? [target] : target } as never);
    }
  }
  return { store, holder };
}

/** The dedicated create method of each type that holds a checked reference. */
function createVia(store: Store, collection: string, record: Record<string, unknown>): string {
  switch (collection) {
    case 'task_specs':
      return store.createTaskSpec(record as never);
    case 'executions':
      return store.createExecution(record as never);
    case 'dependencies':
      return store.createDependency(record as never);
    default:
      throw new Error(`no create method for ${collection}`);
  }
}

describe('the record-type registry', () => {
  it('declares the reference graph of the built-in types', () => {
    expect(REFERENCE_FIELDS.map((r) => `${r.from}.${r.field}${r.many === true ? '[]' : ''} → ${r.to}${r.checkedOnWrite ? '' : ' (unchecked on write)'}`)).toEqual([
      'task_specs.prd_id → prds',
      'task_specs.dependencies[] → task_specs (unchecked on write)',
      'executions.ts_id → task_specs',
      'dependencies.from_exec_id → executions',
      'dependencies.to_exec_id → executions',
    ]);
  });

  it('gives every type with an input schema read defaults that its stored schema accepts', () => {
    for (const type of Object.values(RECORD_TYPES)) {
      expect(recordType(type.collection)).toBe(type);
      if (type.input === undefined) continue;
      expect((READ_DEFAULTS as Record<string, unknown>)[type.collection]).toBe(type.readDefaults);
      for (const [field, value] of Object.entries(type.readDefaults ?? {})) {
        expect(Object.keys(type.stored.shape), `${type.collection}.${field}`).toContain(field);
        const fieldSchema = type.stored.shape[field] as { safeParse(v: unknown): { success: boolean } };
        expect(fieldSchema.safeParse(value).success, `${type.collection}.${field} default`).toBe(true);
      }
    }
    expect(recordType('notes')).toBeUndefined();
    expect(recordType('constructor')).toBeUndefined();
  });

  it('marks a single reference nullable exactly when its stored field accepts null', () => {
    // check() reports a null in a reference not marked nullable as dangling, while writes let
    // the schema decide: the two must agree, or a record the store accepted is reported.
    for (const ref of REFERENCE_FIELDS.filter((r) => r.many !== true)) {
      const fieldSchema = RECORD_TYPES[ref.from].stored.shape[ref.field] as { safeParse(v: unknown): { success: boolean } };
      expect(ref.nullable === true, `${ref.from}.${ref.field}`).toBe(fieldSchema.safeParse(null).success);
    }
  });

  for (const ref of REFERENCE_FIELDS) {
    const name = `${ref.from}.${ref.field} → ${ref.to}`;

    it(`${name}: deleting the target is refused naming the field; forced, check() reports it dangling`, () => {
      const { store, holder } = seed();
      const from = store.collection({ name: ref.from }).get(holder[ref.from]!)!;
      const value = (from as Record<string, unknown>)[ref.field];
      const target = (Array.isArray(value) ? value[0] : value) as string;
      const targets = store.collection({ name: ref.to });
      let refused: unknown;
      try {
        targets.delete(target);
      } catch (err) {
        refused = err;
      }
      expect(refused).toBeInstanceOf(ReferencedError);
      expect((refused as ReferencedError).data?.referencedBy).toContainEqual({ collection: ref.from, id: from.id, field: ref.field });
      expect(targets.get(target)).toBeDefined();

      targets.delete(target, { force: true });
      const dangling = store.check().problems.filter((p) => p.kind === 'dangling_reference' && p.collection === ref.from && p.id === from.id);
      expect(dangling.map((p) => p.message)).toContainEqual(expect.stringContaining(`${ref.field} `));
      expect(dangling.some((p) => p.message.includes(JSON.stringify(target)) && p.message.includes(`live ${RECORD_TYPES[ref.to].label}`))).toBe(true);
      store.close();
    });

    if (!ref.checkedOnWrite) continue;
    it(`${name}: writing a record whose ${ref.field} names no live ${ref.to} record is NOT_FOUND naming the field, nothing written`, () => {
      const { store, holder } = seed();
      const { id: _id, created_at: _c, updated_at: _u, ...fields } = store.collection({ name: ref.from }).get(holder[ref.from]!)! as Record<string, unknown>;
      const before = store.collection({ name: ref.from }).count();
      let refused: unknown;
      try {
        createVia(store, ref.from, { ...fields, [ref.field]: ref.many === true ? ['missing'] : 'missing' });
      } catch (err) {
        refused = err;
      }
      expect(refused).toBeInstanceOf(NotFoundError);
      expect((refused as NotFoundError).data).toMatchObject({ collection: ref.to, id: 'missing', field: ref.field });
      expect(store.collection({ name: ref.from }).count()).toBe(before);
      store.close();
    });
  }
});
