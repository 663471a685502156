/**
 * The search box with many answers and a record whose title is thousands of characters,
 * in a real Chromium: the option chosen with the arrow keys stays in sight, and one long
 * title does not fill the list.
 */
import { describe, expect, it } from 'vitest';
import { openStore } from '../cli/run-cli.js';
import { hasChromium, withPage } from './chromium.js';
import { servedStoreInBrowser } from './browser-fixture.js';

const WAIT = 15_000;
const LONG_TITLE = `needle ${'long '.repeat(600)}`;

describe.skipIf(!hasChromium)('the search box with many answers', () => {
  const served = servedStoreInBrowser('taskstore-ui-search-keys-', (storeDir) => {
    const store = openStore(storeDir);
    store.transaction(() => {
      for (let i = 0; i < 40; i++) store.createPrd({ title: `needle ${String(i).padStart(2, '0')}` });
      // Last: the most recently updated, so among the 30 answers.
      store.createPrd({ title: LONG_TITLE });
    });
    store.close();
  });

  it('keeps the option chosen with ↓ in sight, down to the last (it went below the list, and Enter opened a record nobody saw)', async () => {
    await withPage(served.browser, async (page, errors) => {
      await page.goto(`${served.ui.url}#/`);
      await page.locator('.prd-row').first().waitFor({ timeout: WAIT });
      await page.keyboard.press('/');
      await page.keyboard.type('needle');
      const list = page.locator('[data-testid=search-results]');
      const options = list.locator('[role=option]');
      await expect.poll(() => options.count(), { timeout: WAIT }).toBe(30);

      // One long title is clipped: it no longer fills the list.
      const long = options.filter({ hasText: 'long long' });
      expect(((await long.locator('.label').textContent()) ?? '').length).toBeLessThanOrEqual(120);
      expect(await long.locator('.label').getAttribute('title')).toBe(LONG_TITLE.slice(0, 1999) + '…');

      const box = (await list.boundingBox())!;
      for (let i = 1; i < 30; i++) {
        await page.keyboard.press('ArrowDown');
        const chosen = list.locator(`#search-result-${i}[aria-selected=true]`);
        await chosen.waitFor({ timeout: WAIT });
        // scrollIntoView is synchronous: the list has scrolled once the option is chosen and drawn.
        const option = (await chosen.boundingBox())!;
        expect(option.y, `option ${i} above the list`).toBeGreaterThanOrEqual(box.y - 1);
        expect(option.y + option.height, `option ${i} below the list`).toBeLessThanOrEqual(box.y + box.height + 1);
      }
      const label = await list.locator('#search-result-29 .label').textContent();
      await page.keyboard.press('Enter');
      await page.locator('h1.record-title', { hasText: label! }).waitFor({ timeout: WAIT });
      expect(errors).toEqual([]);
    });
  });
});
