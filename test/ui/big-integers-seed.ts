/**
 * A store whose logs hold integers no JavaScript number can hold, as another tool or a
 * person writes them: a hand-written note, and a PRD, a task spec and an execution each
 * with a hand-appended version carrying `n` and `m`. The dashboard must show every digit.
 */
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Store } from '../../src/index.js';

/** 20 digits: a number holds 12345678901234567000. */
export const BIG = '12345678901234567890';
export const BIG_ROUNDED = '12345678901234567000';
/** 2^53 + 1: a number holds 9007199254740992. */
export const M = '9007199254740993';
export const M_ROUNDED = '9007199254740992';
export const NEG = '-9007199254740995';
export const NEG_ROUNDED = '-9007199254740996';

export interface BigSeeded {
  prd: string;
  spec: string;
  execution: string;
  /** A generic note, hand-written (`notes` collection), then patched through the store (a second version). */
  note: string;
}

/** Appends a new version of `id` with `"n":BIG,"m":M` added (and `updated_at` one later) to its log. */
function appendBigVersion(store: Store, collection: string, id: string): void {
  const text = store.collection({ name: collection }).getText(id)!;
  const record = JSON.parse(text) as { updated_at: number };
  const line = `${JSON.stringify({ ...record, updated_at: record.updated_at + 1 }).slice(0, -1)},"n":${BIG},"m":${M}}`;
  appendFileSync(join(store.dir, `${collection}.jsonl`), `${line}\n`);
}

export function seedBigIntegers(store: Store): BigSeeded {
  const prd = store.createPrd({ title: 'Big numbers', content: 'x' });
  const spec = store.createTaskSpec({ prd_id: prd, phase_name: 'huge phase' });
  const running = store.claimTaskSpec(spec, 'agent-1');
  const execution = store.createExecution({ ts_id: running.id, worktree_path: '/wt', branch_name: 'big' });
  store.collection({ name: 'notes' }).create({ id: 'plain', title: 'plain', n: 1 });
  const note = 'big-note';
  appendFileSync(
    join(store.dir, 'notes.jsonl'),
    `{"id":"${note}","title":"hand written","n":${BIG},"m":${M},"meta":{"list":[1,${NEG}],"s":"${BIG}"},"created_at":1,"updated_at":2}\n`,
  );
  for (const [collection, id] of [
    ['prds', prd],
    ['task_specs', spec],
    ['executions', execution],
  ] as const) {
    appendBigVersion(store, collection, id);
  }
  store.refresh();
  // A second version written through the store: its unchanged members keep their digits.
  store.collection({ name: 'notes' }).patch(note, { title: 'patched' });
  return { prd, spec, execution, note };
}

/** Fails unless `text` holds every exact digit string and none of their rounded forms. */
export function roundedIn(text: string): string[] {
  return [BIG_ROUNDED, M_ROUNDED, NEG_ROUNDED].filter((r) => text.includes(r));
}
