/**
 * A PRD's board and graph when another program wrote a task spec's `dependencies` as
 * something other than a list of ids: null (no dependencies, as the library reads it), a
 * lone string or number in place of the list, `""` or a number inside it. The library's
 * readiness rule keeps a spec waiting on each entry that names no complete task spec;
 * the board must answer (it was a 500, or a 400 for `""`) and agree with that rule.
 */
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../src/index.js';
import type { PrdBoardResponse } from '../../src/ui/api-types.js';
import { handleApi } from '../../src/ui/server/api.js';
import { dependencyIds, waitingEntries } from '../../src/ui/dependency-entries.js';
import { layoutGraph } from '../../src/ui/web/graph/layout.js';
import { openStore } from '../cli/run-cli.js';
import { hasChromium, withPage } from './chromium.js';
import { servedStoreInBrowser } from './browser-fixture.js';

const WAIT = 15_000;

/** Each hand-written spec's `dependencies`, by id. `done` is a complete spec whose id is also the lone string below. */
const WRITTEN: Record<string, unknown> = {
  'none-null': null,
  'lone-string': 'done',
  'lone-number': 7,
  'empty-id': [''],
  'number-inside': [7, 'done'],
  'good': ['done'],
};

/** A store with one PRD, a complete spec `done`, and the hand-written specs as raw log lines. */
function seed(dir: string): string {
  const store = openStore(dir);
  const prd = store.createPrd({ title: 'hand-written' });
  store.createTaskSpec({ id: 'done', prd_id: prd, phase_name: 'done', status: 'complete' });
  store.close();
  const lines = Object.entries(WRITTEN).map(([id, dependencies], i) =>
    JSON.stringify({ id, prd_id: prd, phase_name: id, status: 'pending', dependencies, created_at: 1_700_000_000_000 + i, updated_at: 1_700_000_000_000 + i }),
  );
  appendFileSync(join(dir, 'task_specs.jsonl'), `${lines.join('\n')}\n`);
  return prd;
}

describe('waitingEntries / dependencyIds', () => {
  it('read null as none, a lone value as one entry that always waits, and take edges only from a list', () => {
    const complete = (id: string): string | undefined => (id === 'a' ? 'complete' : id === 'b' ? 'pending' : undefined);
    expect(waitingEntries(null, complete)).toEqual([]);
    expect(waitingEntries(undefined, complete)).toEqual([]);
    expect(waitingEntries('a', complete)).toEqual(['a']);
    expect(waitingEntries(7, complete)).toEqual([7]);
    expect(waitingEntries(['a', 'b', 7, '', 'gone'], complete)).toEqual(['b', 7, '', 'gone']);
    expect(dependencyIds('a')).toEqual([]);
    expect(dependencyIds(['a', 7, ''])).toEqual(['a', '']);
    expect(dependencyIds({ a: 1 })).toEqual([]);
  });
});

describe('GET /api/prds/<id> with hand-written dependencies', () => {
  let root: string;
  let store: Store;
  let prd: string;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'taskstore-ui-deps-'));
    prd = seed(join(root, '.taskstore'));
    store = openStore(join(root, '.taskstore'));
  });
  afterAll(() => {
    store?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('answers, with the columns the library rule gives and the lines as written', () => {
    const answer = handleApi(store, `/api/prds/${prd}`, new URLSearchParams(), 1_000);
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    const board = answer.body as PrdBoardResponse;
    const ready = new Set(store.listReadyTaskSpecs().filter((s) => s.prd_id === prd).map((s) => s.id));
    expect([...ready].sort()).toEqual(['good', 'none-null']);
    for (const id of Object.keys(WRITTEN)) {
      expect(board.columns[id], id).toBe(ready.has(id) ? 'ready' : 'blocked');
      // The record travels as its line holds it: nothing is rewritten for display.
      expect(board.task_specs.find((s) => s.id === id)?.dependencies, id).toEqual(WRITTEN[id]);
    }
    // `""` is a missing dependency; the lone string 'done' is no edge, so it is not looked up as one.
    expect(board.outside).toEqual({ '': { id: '' } });
    expect(board.cycles).toEqual([]);
  });
});

describe.skipIf(!hasChromium)('the board and graph pages with hand-written dependencies', () => {
  let prd: string;

  const served = servedStoreInBrowser('taskstore-ui-deps-page-', (storeDir) => {
    prd = seed(storeDir);
  });

  it('the board shows every card, each waiting spec with what it waits for as written', async () => {
    await withPage(served.browser, async (page, errors) => {
      await page.goto(`${served.ui.url}#/prd/${prd}`);
      await page.locator('[data-column=ready] .card[data-id="good"]').waitFor({ timeout: WAIT });
      const column = async (name: string): Promise<string[]> => (await page.locator(`[data-column=${name}] .card-title`).allTextContents()).sort();
      expect(await column('ready')).toEqual(['good', 'none-null']);
      expect(await column('blocked')).toEqual(['empty-id', 'lone-number', 'lone-string', 'number-inside']);
      const waits = async (id: string): Promise<string | null> => page.locator(`.card[data-id="${id}"] .waits`).textContent();
      expect(await waits('lone-string')).toBe('waits for done');
      expect(await waits('lone-number')).toBe('waits for 7');
      expect(await waits('empty-id')).toBe('waits for ""');
      expect(await waits('number-inside')).toBe('waits for 7');
      // A lone string in place of the list is no dependency on that record: text, not a link to it.
      expect(await page.locator('.card[data-id="lone-string"] .waits a').count()).toBe(0);
      expect(errors).toEqual([]);
    });
  });

  it('the graph draws every spec, with edges only from the lists', async () => {
    await withPage(served.browser, async (page, errors) => {
      await page.goto(`${served.ui.url}#/prd/${prd}/graph`);
      const nodes = page.locator('[data-testid=graph] .node-link');
      await nodes.first().waitFor({ timeout: WAIT });
      // The PRD's seven specs and the missing `""`.
      expect(await nodes.count()).toBe(Object.keys(WRITTEN).length + 2);
      expect(errors).toEqual([]);
    });
  });
});

describe('layoutGraph', () => {
  it('lays out ids that are no plain object key: "", "__proto__", "constructor", with their edges', () => {
    const ids = ['', '__proto__', 'constructor', 'toString', 'a'];
    const nodes = ids.map((id) => ({ id, width: 100, height: 30 }));
    const edges = [
      { from: '', to: '__proto__' },
      { from: '__proto__', to: 'constructor' },
      { from: 'constructor', to: 'a' },
      { from: 'toString', to: 'a' },
    ];
    const out = layoutGraph(nodes, edges);
    expect(Object.keys(out.nodes).sort()).toEqual([...ids].sort());
    for (const id of ids) expect(Number.isFinite(out.nodes[id]!.x) && Number.isFinite(out.nodes[id]!.y), JSON.stringify(id)).toBe(true);
    // Layered: a prerequisite sits above what waits for it.
    for (const e of edges) expect(out.nodes[e.from]!.y, `${e.from} > ${e.to}`).toBeLessThan(out.nodes[e.to]!.y);
    expect(out.edges.map((e) => `${e.from}>${e.to}`).sort()).toEqual(edges.map((e) => `${e.from}>${e.to}`).sort());
  });
});
