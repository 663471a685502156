/**
 * The dashboard's JSON API over real HTTP prints integers beyond 2^53 with the digits the
 * log holds, in every answer that carries record data: a parsed record's number would
 * print 12345678901234567890 as 12345678901234567000 without a word.
 */
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import type { Store } from '../../src/index.js';
import { startUiServer, type UiServer } from '../../src/ui/server/start-server.js';
import { openStore } from '../cli/run-cli.js';
import { tempDir } from '../helpers/temp.js';
import { BIG, M, NEG, roundedIn, seedBigIntegers, type BigSeeded } from './big-integers-seed.js';
import { rawRequest } from './ui-process.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

async function serve(): Promise<{ store: Store; ui: UiServer; seeded: BigSeeded }> {
  const store = openStore(tempDir('taskstore-ui-exact-'));
  const seeded = seedBigIntegers(store);
  const ui = await startUiServer({ store, port: 0 });
  cleanups.push(() => store.close(), () => ui.close());
  return { store, ui, seeded };
}

async function body(ui: UiServer, path: string): Promise<string> {
  const res = await rawRequest(ui.port, path);
  expect(res.status, `${path}: ${res.body}`).toBe(200);
  expect(() => JSON.parse(res.body), path).not.toThrow();
  return res.body;
}

describe('integers beyond 2^53 in the JSON API', () => {
  it('every route that answers with records prints their exact digits', async () => {
    const { ui, seeded } = await serve();
    const paths = [
      '/api/prds',
      `/api/prds/${seeded.prd}`,
      '/api/executions',
      '/api/executions?status=running',
      `/api/records/${seeded.prd}`,
      `/api/records/${seeded.spec}`,
      `/api/records/${seeded.execution}`,
      `/api/records/${seeded.note}`,
      `/api/records/${seeded.prd}/history`,
      `/api/records/${seeded.spec}/history`,
      `/api/records/${seeded.execution}/history`,
      `/api/records/${seeded.note}/history`,
      '/api/collections/notes',
      `/api/collections/notes?where=${encodeURIComponent('{"title":"patched"}')}`,
      '/api/collections/prds',
      '/api/collections/task_specs',
      '/api/collections/executions?orderBy=-updated_at',
    ];
    for (const path of paths) {
      const text = await body(ui, path);
      expect(text, path).toContain(`"n":${BIG}`);
      expect(text, path).toContain(`"m":${M}`);
      expect(roundedIn(text), path).toEqual([]);
      expect(text, path).not.toContain('exact-integer');
    }
    const note = await body(ui, `/api/records/${seeded.note}`);
    expect(note).toContain(`"list":[1,${NEG}]`);
    expect(note).toContain(`"s":"${BIG}"`); // a string stays a string
    expect(note).toContain('"title":"patched"');
  });

  it('a board whose task spec has a hand-written dependency that is such a number shows it, exact, as unmet', async () => {
    const { store, ui, seeded } = await serve();
    const text = store.collection({ name: 'task_specs' }).getText(seeded.spec)!;
    const spec = JSON.parse(text) as { updated_at: number };
    const other = store.createTaskSpec({ prd_id: seeded.prd, phase_name: 'waits' });
    const line = text.replace(/"updated_at":\d+/, `"updated_at":${spec.updated_at + 1}`).replace('"dependencies":[]', `"dependencies":[${BIG},"${other}"]`);
    expect(line).toContain(BIG);
    appendFileSync(join(store.dir, 'task_specs.jsonl'), `${line}\n`);
    for (const path of [`/api/prds/${seeded.prd}`, `/api/records/${seeded.spec}`]) {
      const answer = await body(ui, path);
      expect(answer, path).toContain(`"dependencies":[${BIG},"${other}"]`);
      expect(roundedIn(answer), path).toEqual([]);
    }
    const board = JSON.parse(await body(ui, `/api/prds/${seeded.prd}`)) as { columns: Record<string, string>; outside: Record<string, unknown> };
    expect(board.columns[seeded.spec]).toBe('running'); // claimed: its status decides
    expect(Object.keys(board.outside)).toEqual([]);
  });

  it("the task spec fields beside executions and a board's outside dependencies keep their digits", async () => {
    const { store, ui, seeded } = await serve();
    // Another PRD's spec, hand-written with a number for a phase name, that the seeded spec depends on.
    const otherPrd = store.createPrd({ title: 'other' });
    const outside = store.createTaskSpec({ prd_id: otherPrd, phase_name: 'outside' });
    for (const [id, edit] of [
      [outside, (t: string) => t.replace('"phase_name":"outside"', `"phase_name":${BIG}`)],
      [seeded.spec, (t: string) => t.replace('"phase_name":"huge phase"', `"phase_name":${M}`).replace('"dependencies":[]', `"dependencies":["${outside}"]`)],
    ] as const) {
      const text = store.collection({ name: 'task_specs' }).getText(id)!;
      const updatedAt = (JSON.parse(text) as { updated_at: number }).updated_at;
      const line = edit(text.replace(/"updated_at":\d+/, `"updated_at":${updatedAt + 1}`));
      expect(line).not.toBe(text);
      appendFileSync(join(store.dir, 'task_specs.jsonl'), `${line}\n`);
    }
    const executions = await body(ui, '/api/executions');
    expect(executions).toContain(`"task_specs":{"${seeded.spec}":{"phase_name":${M},`);
    const board = await body(ui, `/api/prds/${seeded.prd}`);
    expect(board).toContain(`"outside":{"${outside}":{"id":"${outside}","status":"pending","phase_name":${BIG},`);
    for (const text of [executions, board]) expect(roundedIn(text)).toEqual([]);
  });

  it("a history's field changes carry the exact digits, old and new", async () => {
    const { store, ui, seeded } = await serve();
    store.collection({ name: 'notes' }).patch(seeded.note, { n: 1 });
    const text = await body(ui, `/api/records/${seeded.note}/history`);
    const history = JSON.parse(text) as { versions: { changes: { field: string }[] }[] };
    expect(history.versions).toHaveLength(3);
    // The change of n from BIG to 1, with the old value exact.
    expect(text).toContain(`{"field":"n","old":${BIG},"new":1}`);
    // The first version adds n: its new value exact.
    expect(text).toContain(`{"field":"n","new":${BIG}}`);
    expect(roundedIn(text)).toEqual([]);
  });

  it('a record replaced after the list was read is shown as read, never with another version\'s digits', async () => {
    const { store, ui, seeded } = await serve();
    // The next version rounds nothing: n is written again as a plain small number.
    store.collection({ name: 'notes' }).patch(seeded.note, { n: 5, m: 6 });
    const text = await body(ui, `/api/records/${seeded.note}`);
    expect(text).toContain('"n":5');
    expect(text).toContain('"m":6');
    expect(text).toContain(NEG);
    expect(roundedIn(text)).toEqual([]);
  });

  it('search answers, and change frames, carry no rounded digits (they hold no record values)', async () => {
    const { store, ui } = await serve();
    const search = await body(ui, '/api/search?q=big');
    expect(search).toContain('big-note');
    expect(roundedIn(search)).toEqual([]);
    const events: string[] = [];
    const req = request({ host: '127.0.0.1', port: ui.port, path: '/api/events', headers: { Host: `127.0.0.1:${ui.port}` } }, (res) => {
      res.setEncoding('utf8');
      res.on('data', (d: string) => events.push(d));
    });
    req.on('error', () => {});
    req.end();
    cleanups.push(() => void req.destroy());
    await expect.poll(() => events.join(''), { timeout: 10_000 }).toContain(': live');
    appendFileSync(join(store.dir, 'notes.jsonl'), `{"id":"another","n":${BIG},"created_at":1,"updated_at":3}\n`);
    await expect.poll(() => events.join(''), { timeout: 10_000 }).toContain('"id":"another"');
    expect(roundedIn(events.join(''))).toEqual([]);
  });
});
