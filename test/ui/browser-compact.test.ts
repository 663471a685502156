/**
 * A record's history open while another process compacts its log, in a real Chromium:
 * the versions compaction removed leave the timeline without a reload. The change feed
 * sends nothing for a compaction (no record's current version moves); the server tells
 * the page that the log was rewritten.
 */
import { spawnSync } from 'node:child_process';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { CLI } from '../helpers/paths.js';
import { openStore } from '../cli/run-cli.js';
import { hasChromium, withPage } from './chromium.js';
import { servedStoreInBrowser } from './browser-fixture.js';

const WAIT = 15_000;

/** Waits until the timeline shows exactly `n` versions. */
const versionsShown = (page: Page, n: number): Promise<unknown> =>
  page.waitForFunction((n) => document.querySelectorAll('[data-testid=timeline] .version').length === n, n, { timeout: WAIT });

describe.skipIf(!hasChromium)('history open during a compaction', () => {
  let note: string;

  const served = servedStoreInBrowser('taskstore-ui-compact-', (storeDir) => {
    const store = openStore(storeDir);
    const notes = store.collection({ name: 'notes' });
    note = notes.create({ title: 'v1' });
    for (const title of ['v2', 'v3', 'v4']) notes.patch(note, { title });
    store.close();
  });

  it('drops the versions compaction removed, without a reload', async () => {
    await withPage(served.browser, async (page, errors) => {
      await page.goto(`${served.ui.url}#/record/${note}`);
      await page.locator('[data-testid=live].on').waitFor({ timeout: WAIT });
      await versionsShown(page, 4);

      const compacted = spawnSync(process.execPath, [CLI, '--store', served.storeDir, 'compact'], { encoding: 'utf8' });
      expect(compacted.status, compacted.stderr).toBe(0);
      await versionsShown(page, 1);
      await page.locator('[data-testid=fields] dd[data-field=title]', { hasText: 'v4' }).waitFor({ timeout: WAIT });
      expect(errors).toEqual([]);
    });
  });
});
