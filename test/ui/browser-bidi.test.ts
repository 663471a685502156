/**
 * Unicode direction controls in record text, in a real Chromium: a title holding U+202E
 * (RIGHT-TO-LEFT OVERRIDE) is shown as it is written, but its override must end with
 * the title; left to run on, it reverses the text after it on the same line (the PRD's
 * status badge was drawn before the title, reading `evitca`).
 */
import { describe, expect, it } from 'vitest';
import { openStore } from '../cli/run-cli.js';
import { hasChromium, withPage } from './chromium.js';
import { servedStoreInBrowser } from './browser-fixture.js';

const WAIT = 15_000;

describe.skipIf(!hasChromium)('direction controls in record text', () => {
  let prd: string;

  const served = servedStoreInBrowser('taskstore-ui-bidi-', (storeDir) => {
    const store = openStore(storeDir);
    prd = store.createPrd({ title: 'Quarterly \u202Ereport', status: 'active' });
    store.close();
  });

  it('an override in a title stays inside the title: the text after it on the line keeps its order and direction', async () => {
    await withPage(served.browser, async (page) => {
      await page.goto(`${served.ui.url}#/`);
      const row = page.locator(`.prd-row[data-id="${prd}"]`);
      await row.waitFor({ timeout: WAIT });
      // The title's text is exactly what the record holds.
      expect(await row.locator('.prd-title').textContent()).toBe('Quarterly \u202Ereport');
      const title = await row.locator('.prd-title').boundingBox();
      const badge = await row.locator('.badge').boundingBox();
      expect(badge!.x, 'the status badge is drawn after the title, not before it').toBeGreaterThanOrEqual(title!.x + title!.width - 1);
    });
  });
});
