/**
 * A record deleted by another process while its page is open, in a real Chromium: the
 * page says it was deleted and shows its history, as it does when opened afterwards; its
 * last fields are not left on screen as if it were still live.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { CLI } from '../helpers/paths.js';
import { openStore } from '../cli/run-cli.js';
import { hasChromium, withPage } from './chromium.js';
import { servedStoreInBrowser } from './browser-fixture.js';

const WAIT = 15_000;

describe.skipIf(!hasChromium)('a record deleted while shown', () => {
  let note: string;

  const served = servedStoreInBrowser('taskstore-ui-deleted-', (storeDir) => {
    const store = openStore(storeDir);
    note = store.collection({ name: 'notes' }).create({ title: 'Soon gone', status: 'open' });
    store.close();
  });

  it('is shown as deleted, with its history, and its fields no longer as live ones', async () => {
    await withPage(served.browser, async (page, errors) => {
      await page.goto(`${served.ui.url}#/record/${note}`);
      await page.locator('[data-testid=live].on').waitFor({ timeout: WAIT });
      await page.locator('[data-testid=fields] dd[data-field=title]', { hasText: 'Soon gone' }).waitFor({ timeout: WAIT });

      const deleted = spawnSync(process.execPath, [CLI, '--store', served.storeDir, 'delete', note], { encoding: 'utf8' });
      expect(deleted.status, deleted.stderr).toBe(0);
      await page.locator('h1 .badge', { hasText: 'deleted' }).waitFor({ timeout: WAIT });
      await page.locator('[data-testid=timeline] .version-deleted').waitFor({ timeout: WAIT });
      expect(await page.locator('[data-testid=fields]').count(), 'the deleted record\'s fields shown as live').toBe(0);

      // The same view as a page opened after the deletion.
      const shown = await page.locator('main').innerText();
      await page.reload();
      // Both answers in: the record's (404) and its history's, which may come first.
      await page.locator('h1 .badge', { hasText: 'deleted' }).waitFor({ timeout: WAIT });
      await page.locator('[data-testid=timeline] .version-deleted').waitFor({ timeout: WAIT });
      expect(await page.locator('main').innerText()).toBe(shown);
      expect(errors).toEqual([]);
    });
  });
});
