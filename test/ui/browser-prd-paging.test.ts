/**
 * The PRD list of a large store, in a real Chromium: it draws one page of 100 PRDs (all
 * 10,000 took 5–9 s to draw), the pager walks the pages in the API's order, and a live
 * change to a PRD on the page shown appears without a reload.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { PrdListResponse } from '../../src/ui/api-types.js';
import { openStore } from '../cli/run-cli.js';
import { hasChromium, withPage } from './chromium.js';
import { servedStoreInBrowser } from './browser-fixture.js';

/** Generous: the machine is 2 shared cores. */
const WAIT = 30_000;
const PRDS = 10_000;

const shownIds = (page: Page): Promise<string[]> => page.locator('.prd-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-id') ?? ''));

describe.skipIf(!hasChromium)('the PRD list of 10,000 PRDs', () => {
  const served = servedStoreInBrowser('taskstore-ui-prd-paging-', (storeDir) => {
    const store = openStore(storeDir);
    store.transaction(() => {
      for (let i = 0; i < PRDS; i++) store.createPrd({ title: `PRD ${String(i).padStart(5, '0')}` });
    });
    store.close();
  });

  const apiPage = async (offset: number): Promise<string[]> => {
    const res = await fetch(`${served.ui.url}api/prds?limit=100&offset=${offset}`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as PrdListResponse;
    expect(body.total).toBe(PRDS);
    return body.prds.map((p) => p.prd.id);
  };

  it('shows the first 100 with the total, pages through in the API order, and shows a live change on the page', async () => {
    const [first, second] = [await apiPage(0), await apiPage(100)];
    expect(first).toHaveLength(100);
    expect(second).toHaveLength(100);
    await withPage(served.browser, async (page, errors) => {
      await page.goto(`${served.ui.url}#/`);
      await page.locator('[data-testid=live].on').waitFor({ timeout: WAIT });
      await page.locator(`.prd-row[data-id="${first[99]}"]`).waitFor({ timeout: WAIT });
      expect(await shownIds(page)).toEqual(first);
      await expect(page.locator('[data-testid=prd-total]').textContent()).resolves.toBe('(10,000)');
      await expect(page.locator('.pager-text').textContent()).resolves.toBe('1–100 of 10,000');

      await page.locator('.pager a[rel=next]').click();
      await page.locator(`.prd-row[data-id="${second[99]}"]`).waitFor({ timeout: WAIT });
      expect(page.url()).toMatch(/#\/\?offset=100$/);
      expect(await shownIds(page)).toEqual(second);

      // Another process renames a PRD of this page: the page shows it, still page two.
      const store = openStore(served.storeDir);
      try {
        store.collection({ name: 'prds' }).patch(second[7]!, { title: 'Renamed live' });
      } finally {
        store.close();
      }
      await page.locator(`.prd-row[data-id="${second[7]}"] .prd-title`, { hasText: 'Renamed live' }).waitFor({ timeout: WAIT });
      expect(await shownIds(page)).toEqual(second);
      expect(errors).toEqual([]);
    });
  }, 120_000);
});
