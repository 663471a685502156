/**
 * Records whose id is `.` or `..` (valid ids: any non-empty string) open on the
 * dashboard, in real Chromium against a real `taskstore ui` process. The URL spec removes
 * `.` and `..` path segments, `%2e` spelt ones too, so `/api/records/..` asked for
 * `/api/` and `/api/prds/.` for `/api/prds/`: the page showed an error for a record the
 * table lists. The page now asks with the id in the query (`/api/record?id=..`).
 */
import { type Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { openStore, withStore } from '../cli/run-cli.js';
import { hasChromium, withPage } from './chromium.js';
import { servedStoreInBrowser } from './browser-fixture.js';

const WAIT = 15_000;

/**
 * Waits until the first element matching `selector` reads exactly `text`. A hash
 * navigation keeps the page, so the element of the page before can still be there
 * (waiting for the element alone read the previous record's title), and a substring
 * test would take 'dot-dot prd' for 'dot prd'.
 */
async function waitForText(page: Page, selector: string, text: string): Promise<void> {
  await page.waitForFunction(([sel, want]) => document.querySelector(sel)?.textContent === want, [selector, text] as const, { timeout: WAIT });
}
/** [collection, id, title]: an id is unique across collections for the page's /record/<id> (one per id). */
const RECORDS = [
  ['prds', '.', 'dot prd'],
  ['prds', '..', 'dot-dot prd'],
  ['notes', '%2e', 'note %2e'],
  ['notes', '.%2E', 'note .%2E renamed'],
] as const;

describe.skipIf(!hasChromium)('records whose id is a dot segment', () => {

  const served = servedStoreInBrowser('taskstore-ui-dots-', (storeDir) => {
    openStore(storeDir).close();
    withStore(storeDir, (s) => {
      const notes = s.collection({ name: 'notes' });
      notes.create({ id: '%2e', title: 'note %2e' });
      notes.create({ id: '.%2E', title: 'note .%2E' });
      notes.patch('.%2E', { title: 'note .%2E renamed' });
      s.createPrd({ id: '.', title: 'dot prd', content: 'x' });
      s.createPrd({ id: '..', title: 'dot-dot prd', content: 'x' });
      s.createTaskSpec({ id: 'spec-of-dot', prd_id: '..', phase_name: 'under dot-dot' });
    });
  });

  it('open from the collection table, with their fields and history, and by typed URL', async () => {
    await withPage(served.browser, async (page, errors) => {
      for (const [collection, id, expected] of RECORDS) {
        await page.goto(`${served.ui.url}#/collection/${collection}`);
        const link = page.locator(`tr[data-id="${id}"] a.record-link`).first();
        await link.waitFor({ timeout: WAIT });
        await link.click();
        const title = page.locator('h1.record-title');
        await title.waitFor({ timeout: WAIT });
        expect(await title.textContent(), id).toBe(expected);
        expect(await page.locator('dd[data-field=id]').textContent()).toBe(id);
        await page.locator('.timeline').first().waitFor({ timeout: WAIT });
        expect(await page.locator('.error').count(), id).toBe(0);
      }
      // A typed or shared page URL, the id encoded as the page's own links encode it.
      await page.goto(`${served.ui.url}#/record/${encodeURIComponent('..')}`);
      await waitForText(page, 'h1.record-title', 'dot-dot prd');
      expect(await page.locator('dd[data-field=id]').textContent()).toBe('..');
      expect(errors).toEqual([]);
    });
  });

  it('the running server answers the ?id= form over HTTP; the path form cannot name them', async () => {
    const api = (path: string): Promise<Response> => fetch(new URL(path, served.ui.url));
    const record = (await (await api(`/api/record?id=${encodeURIComponent('..')}`)).json()) as { collection: string; record: { title: string } };
    expect(record).toMatchObject({ collection: 'prds', record: { title: 'dot-dot prd' } });
    const history = (await (await api(`/api/record/history?id=${encodeURIComponent('.%2E')}`)).json()) as { versions: unknown[] };
    expect(history.versions).toHaveLength(2);
    const board = (await (await api(`/api/prd?id=.`)).json()) as { task_specs: { id: string }[] };
    expect(board.task_specs).toEqual([]);
    expect((await api(`/api/records/%2e%2e`)).status).toBe(404); // asked as /api/
  });

  it('PRDs with such ids open as a board and a graph', async () => {
    await withPage(served.browser, async (page, errors) => {
      await page.goto(`${served.ui.url}#/prd/..`);
      await page.locator('[data-testid=board]').waitFor({ timeout: WAIT });
      await waitForText(page, '.prd-title-text', 'dot-dot prd');
      expect(await page.locator('[data-testid=board]').textContent()).toContain('under dot-dot');
      await page.goto(`${served.ui.url}#/prd/.`);
      await waitForText(page, '.prd-title-text', 'dot prd');
      expect(await page.locator('[data-testid=board]').textContent()).not.toContain('under dot-dot');
      await page.goto(`${served.ui.url}#/prd/../graph`);
      await waitForText(page, '.prd-title-text', 'dot-dot prd');
      await waitForText(page, 'nav.tabs a[aria-current=page]', 'Dependency graph');
      expect(await page.locator('.error').count()).toBe(0);
      expect(errors).toEqual([]);
    });
  });
});
