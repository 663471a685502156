/**
 * Record lines another program wrote, with members JavaScript reads lossily or oddly
 * (`1e400`, which reads as Infinity; `__proto__`, an own member after JSON.parse; a key
 * written twice), through the typed updates: `updateX({ ...read, field })` keeps every
 * member it did not change as written, in its place, and validates what it changed.
 */
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Store } from '../../src/index.js';
import { splitObjectMembers } from '../../src/merge/json-members.js';
import { expectRejected, logText, openStore, seed } from './helpers.js';

/** Appends `current` as a newer line of `name` with `extra` (raw JSON members) spliced in after `after` (or at the end). */
function foreignVersion(store: Store, dir: string, name: string, current: Record<string, unknown>, extra: string, after?: string): void {
  const { updated_at, ...rest } = current;
  const members = Object.entries({ ...rest, updated_at: (updated_at as number) + 1 }).map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`);
  const at = after === undefined ? members.length : members.findIndex((m) => m.startsWith(`"${after}":`)) + 1;
  members.splice(at, 0, extra);
  appendFileSync(join(dir, `${name}.jsonl`), `{${members.join(',')}}\n`);
  store.refresh();
}

function lastLine(dir: string, name: string): string {
  return logText(dir, name).trimEnd().split('\n').at(-1)!;
}

/** The line's members as [key, text], updated_at's text blanked (every write restamps it). */
function members(line: string): [string, string][] {
  return splitObjectMembers(line).map((m) => [m.rawKey, m.key === 'updated_at' ? '…' : m.rawValue]);
}

const ODD = '"far":1e400,"list":[1,-1e400],"meta":{"far":1e400,"x":1},"big":12345678901234567890,"__proto__":{"p":1},"tail":1.0';

describe('updateX with a spread of a record holding 1e400 (another program\'s)', () => {
  it('updateTaskSpec, updatePrd, updateExecution and updateWorkflow succeed and keep every unchanged member as written, in its place', () => {
    const { store, dir } = openStore();
    const { prdId, specId, execId } = seed(store);
    const wfId = store.createWorkflow({ name: 'wf', version: '1' });
    const cases: [string, string, () => void][] = [
      ['task_specs', specId, () => store.updateTaskSpec(specId, { ...store.getTaskSpec(specId)!, phase_name: 'renamed' })],
      ['prds', prdId, () => store.updatePrd(prdId, { ...store.getPrd(prdId)!, title: 'renamed' })],
      ['executions', execId, () => store.updateExecution(execId, { ...store.getExecution(execId)!, current_phase: 'renamed' })],
      ['workflows', wfId, () => store.updateWorkflow(wfId, { ...store.getWorkflow(wfId)!, content: 'renamed' })],
    ];
    for (const [name, id, update] of cases) {
      const current = store.collection<Record<string, unknown>>({ name }).get(id)!;
      // In the middle of the line, before the known fields that follow `id`.
      foreignVersion(store, dir, name, current, ODD, 'id');
      const before = members(lastLine(dir, name));
      update();
      const after = members(lastLine(dir, name));
      const changed = after.filter(([k], i) => k !== before[i]![0] || after[i]![1] !== before[i]![1]);
      expect(after.map(([k]) => k), name).toEqual(before.map(([k]) => k));
      expect(changed.map(([k]) => k), name).toEqual([['task_specs', '"phase_name"'], ['prds', '"title"'], ['executions', '"current_phase"'], ['workflows', '"content"']].find(([n]) => n === name)!.slice(1));
      expect(lastLine(dir, name), name).toContain(`"id":${JSON.stringify(id)},${ODD},`);
    }
    store.close();
  });

  it('a change of a member inside meta keeps meta.far as written', () => {
    const { store, dir } = openStore();
    const { specId } = seed(store);
    foreignVersion(store, dir, 'task_specs', store.collection({ name: 'task_specs' }).get(specId)!, ODD);
    const spec = store.getTaskSpec(specId)! as Record<string, unknown>;
    store.updateTaskSpec(specId, { ...spec, meta: { ...(spec.meta as object), x: 2 } } as never);
    expect(lastLine(dir, 'task_specs')).toContain('"meta":{"far":1e400,"x":2}');
    store.collection({ name: 'task_specs' }).patch(specId, { meta: { ...(spec.meta as object), x: 3 } });
    expect(lastLine(dir, 'task_specs')).toContain('"meta":{"far":1e400,"x":3}');
    store.close();
  });

  it('a member changed to or added as ±Infinity is refused, naming it, and nothing is written', () => {
    const { store, dir } = openStore();
    const { specId } = seed(store);
    foreignVersion(store, dir, 'task_specs', store.collection({ name: 'task_specs' }).get(specId)!, ODD);
    const spec = store.getTaskSpec(specId)! as Record<string, unknown>;
    const err = expectRejected(dir, () => store.updateTaskSpec(specId, { ...spec, far: -Infinity } as never), 'VALIDATION', 'far');
    expect(err.message).toMatch(/field far is -Infinity, which JSON cannot store/);
    expectRejected(dir, () => store.updateTaskSpec(specId, { ...spec, list: [Infinity, -Infinity] } as never), 'VALIDATION', 'list[0]');
    expectRejected(dir, () => store.updateTaskSpec(specId, { ...spec, meta: { far: Infinity, y: Infinity } } as never), 'VALIDATION', 'meta.y');
    expectRejected(dir, () => store.updateTaskSpec(specId, { ...spec, added: Infinity } as never), 'VALIDATION', 'added');
    expectRejected(dir, () => store.updateTaskSpec(specId, { ...spec, far: NaN } as never), 'VALIDATION', 'far');
    const notes = store.collection<Record<string, unknown>>({ name: 'task_specs' });
    expectRejected(dir, () => notes.patch(specId, { other: Infinity }), 'VALIDATION', 'other');
    expectRejected(dir, () => notes.update(specId, { ...notes.get(specId)!, far: -1 / 0, big: 1 }), 'VALIDATION', 'far');
    // A create has no line to keep the text from: refused as ever.
    expectRejected(dir, () => store.createPrd({ title: 't', far: Infinity } as never), 'VALIDATION', 'far');
    store.close();
  });
});

describe('a member named __proto__ and the order of members (another program\'s line)', () => {
  it('stays in its place through updateX, collection update and patch, claims and the completion cascade', () => {
    const { store, dir } = openStore();
    const { prdId, specId, execId } = seed(store);
    // Unknown members before known ones, and the known ones in another order than the schema's.
    const line = `{"__proto__":{"x":1},"id":${JSON.stringify(specId)},"status":"pending","zz":1,"prd_id":${JSON.stringify(prdId)},"phase_name":"a","created_at":1,"updated_at":${Date.now() + 1},"dependencies":[]}`;
    appendFileSync(join(dir, 'task_specs.jsonl'), `${line}\n`);
    store.refresh();
    const keys = (): string[] => splitObjectMembers(lastLine(dir, 'task_specs')).map((m) => m.key);
    const order = ['__proto__', 'id', 'status', 'zz', 'prd_id', 'phase_name', 'created_at', 'updated_at', 'dependencies'];
    expect(keys()).toEqual(order);
    const written = store.updateTaskSpec(specId, { ...store.getTaskSpec(specId)!, phase_name: 'b' });
    // The defaults the input schema fills in are new members, each after the member it follows in the schema.
    const withDefaults = keys();
    expect(withDefaults.filter((k) => order.includes(k))).toEqual(order);
    expect(withDefaults).toEqual(['__proto__', 'id', 'status', 'workflow_name', 'assigned_to', 'zz', 'prd_id', 'phase_name', 'description', 'created_at', 'updated_at', 'dependencies', 'content']);
    // What the write returns lists its members as the line does.
    expect(Object.keys(written)).toEqual(withDefaults);
    const specs = store.collection<Record<string, unknown>>({ name: 'task_specs' });
    specs.patch(specId, { zz: 2 });
    expect(keys()).toEqual(withDefaults);
    specs.update(specId, { ...specs.get(specId)!, phase_name: 'c' });
    expect(keys()).toEqual(withDefaults);
    store.claimTaskSpec(specId, 'loop-1');
    const claimed = keys();
    expect(claimed.filter((k) => withDefaults.includes(k))).toEqual(withDefaults);
    store.completeExecution(execId);
    expect(keys().filter((k) => claimed.includes(k))).toEqual(claimed);
    expect(lastLine(dir, 'task_specs')).toMatch(/^\{"__proto__":\{"x":1\},"id":/);
    expect(Object.hasOwn(store.getTaskSpec(specId)!, '__proto__')).toBe(true);
    store.close();
  });

  it('createX puts a __proto__ field among the unknown fields where the input had it, not after all of them', () => {
    const { store, dir } = openStore();
    const id = store.createPrd(JSON.parse('{"x_first":1,"__proto__":{"p":1},"zzz":2,"title":"x"}') as never);
    expect(lastLine(dir, 'prds')).toMatch(/"content":"","x_first":1,"__proto__":\{"p":1\},"zzz":2\}$/);
    expect(Object.keys(store.getPrd(id)!).slice(-3)).toEqual(['x_first', '__proto__', 'zzz']);
    store.close();
  });

  it('a PRD whose __proto__ member ends in the middle stays there through updatePrd', () => {
    const { store, dir } = openStore();
    const { prdId } = seed(store);
    foreignVersion(store, dir, 'prds', store.collection({ name: 'prds' }).get(prdId)!, '"__proto__":[1,"\\u00e9"]', 'title');
    const before = splitObjectMembers(lastLine(dir, 'prds')).map((m) => m.key);
    store.updatePrd(prdId, { ...store.getPrd(prdId)!, description: 'changed' });
    expect(splitObjectMembers(lastLine(dir, 'prds')).map((m) => m.key)).toEqual(before);
    expect(lastLine(dir, 'prds')).toContain('"title":"PRD","__proto__":[1,"\\u00e9"],');
    store.close();
  });
});

describe('a key another program wrote twice in one object', () => {
  it('is kept as written while a write leaves it as read; a patch that names it, or a change, writes it once', () => {
    const { store, dir } = openStore();
    const { specId } = seed(store);
    foreignVersion(store, dir, 'task_specs', store.collection({ name: 'task_specs' }).get(specId)!, '"owner":"first","owner":"second","meta":{"k":1,"k":2}', 'id');
    const spec = store.getTaskSpec(specId)! as Record<string, unknown>;
    expect(spec.owner).toBe('second');
    store.updateTaskSpec(specId, { ...spec, phase_name: 'b' } as never);
    expect(lastLine(dir, 'task_specs')).toContain('"owner":"first","owner":"second","meta":{"k":1,"k":2}');
    const specs = store.collection<Record<string, unknown>>({ name: 'task_specs' });
    specs.patch(specId, { phase_name: 'c' });
    expect(lastLine(dir, 'task_specs')).toContain('"owner":"first","owner":"second","meta":{"k":1,"k":2}');
    // Named by a patch: the caller chose the value (here the one reads showed), written once.
    specs.patch(specId, { owner: 'second', meta: { k: 2 } });
    expect(lastLine(dir, 'task_specs')).toContain(`"id":${JSON.stringify(specId)},"owner":"second","meta":{"k":2},`);
    foreignVersion(store, dir, 'task_specs', specs.get(specId)!, '"owner2":"a","owner2":"b"');
    store.updateTaskSpec(specId, { ...store.getTaskSpec(specId)!, owner2: 'c' } as never);
    expect(lastLine(dir, 'task_specs')).toContain('"owner2":"c"');
    expect(lastLine(dir, 'task_specs').match(/owner2/g)).toHaveLength(1);
    store.close();
  });
});

describe('createFromText into a record collection (taskstore import of another program\'s record)', () => {
  it('keeps 1e400 and __proto__ as written and in place; a schema-checked field of the wrong type is still refused', () => {
    const { store, dir } = openStore();
    const { prdId } = seed(store);
    const specs = store.collection<Record<string, unknown>>({ name: 'task_specs' });
    specs.createFromText(`{"id":"t1","far":1e400,"__proto__":{"a":-0},"prd_id":${JSON.stringify(prdId)},"phase_name":"x"}`);
    expect(specs.getText('t1')).toMatch(new RegExp(`^\\{"id":"t1","far":1e400,"__proto__":\\{"a":-0\\},"prd_id":"${prdId}","phase_name":"x",`));
    expectRejected(dir, () => specs.createFromText(`{"id":"t2","prd_id":${JSON.stringify(prdId)},"phase_name":1e400}`), 'VALIDATION', 'phase_name');
    store.close();
  });
});
