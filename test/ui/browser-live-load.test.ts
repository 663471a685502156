/**
 * The live page under load, in a real Chromium: a view whose answer takes longer than
 * the time between changes still shows them while they go on; a change to a collection
 * the view does not show costs it nothing (not even a render); and a long list does not
 * build a number formatter per number it shows.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { openStore } from '../cli/run-cli.js';
import { hasChromium, withPage } from './chromium.js';
import { servedStoreInBrowser } from './browser-fixture.js';

/** Generous: the machine is 2 shared cores. */
const WAIT = 20_000;
const PRDS = 300;

/**
 * Counts, in the page, the number formatting done for it: `Intl.NumberFormat#format`
 * calls (each PRD row formats two counts: its progress), number formats built, and
 * `toLocaleString` calls on numbers (each builds a number format inside V8: 20,000 of them
 * took 1.5 s of the 10,000-PRD list).
 */
async function countNumberFormatting(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const w = window as unknown as { __formats: number; __formatters: number; __toLocale: number };
    w.__formats = 0;
    w.__formatters = 0;
    w.__toLocale = 0;
    const format = Object.getOwnPropertyDescriptor(Intl.NumberFormat.prototype, 'format')!.get!;
    Object.defineProperty(Intl.NumberFormat.prototype, 'format', {
      configurable: true,
      get(this: Intl.NumberFormat) {
        const bound = format.call(this) as (n: number) => string;
        return (n: number) => {
          w.__formats++;
          return bound(n);
        };
      },
    });
    const NumberFormat = Intl.NumberFormat;
    Intl.NumberFormat = new Proxy(NumberFormat, {
      construct(target, args: ConstructorParameters<typeof Intl.NumberFormat>) {
        w.__formatters++;
        return new target(...args);
      },
    });
    const toLocale = Number.prototype.toLocaleString;
    Number.prototype.toLocaleString = function (this: number, ...args: Parameters<typeof toLocale>) {
      w.__toLocale++;
      return toLocale.apply(this, args);
    };
  });
}

const counters = (page: Page): Promise<{ formats: number; formatters: number; toLocale: number }> =>
  page.evaluate(() => {
    const w = window as unknown as { __formats: number; __formatters: number; __toLocale: number };
    return { formats: w.__formats, formatters: w.__formatters, toLocale: w.__toLocale };
  });

describe.skipIf(!hasChromium)('the live page under load', () => {
  let prds: string[];
  let spec: string;

  const served = servedStoreInBrowser('taskstore-ui-load-', (storeDir) => {
    const store = openStore(storeDir);
    store.transaction(() => {
      prds = Array.from({ length: PRDS }, (_, i) => store.createPrd({ title: `PRD ${String(i).padStart(3, '0')}` }));
    });
    spec = store.createTaskSpec({ prd_id: prds[0]!, phase_name: 'heartbeat' });
    store.collection({ name: 'notes' }).create({ title: 'unrelated' });
    store.close();
  });

  const changesSeen = async (page: Page): Promise<number> => Number(await page.locator('[data-testid=live]').getAttribute('data-version'));

  it('a change to a collection the view does not show renders nothing of it; its counts take one number format, not one per number', async () => {
    await withPage(served.browser, async (page, errors) => {
      await countNumberFormatting(page);
      await page.goto(`${served.ui.url}#/`);
      await page.locator('[data-testid=live].on').waitFor({ timeout: WAIT });
      // The first page: 100 PRDs.
      await page.locator(`.prd-row[data-id="${prds[99]}"]`).waitFor({ timeout: WAIT });
      const loaded = await counters(page);
      expect(loaded.toLocale, 'no number format built per count').toBe(0);
      expect(loaded.formats, 'every row formats its two counts').toBeGreaterThanOrEqual(2 * 100);
      expect(loaded.formatters).toBeLessThanOrEqual(1);

      const before = await changesSeen(page);
      const store = openStore(served.storeDir);
      try {
        const notes = store.collection({ name: 'notes' });
        for (let i = 0; i < 3; i++) notes.create({ title: `unrelated ${i}` });
      } finally {
        store.close();
      }
      // The header's counter moves in the render each change batch causes.
      await expect.poll(() => changesSeen(page), { timeout: WAIT }).toBeGreaterThanOrEqual(before + 3);
      expect((await counters(page)).formats, 'the PRD list was drawn again for changes to notes').toBe(loaded.formats);
      expect(errors).toEqual([]);
    });
  });

  it('a view whose answer takes longer than the time between changes shows them while they go on', async () => {
    await withPage(served.browser, async (page, errors) => {
      // Every answer of the PRD list takes 600 ms, and a task spec changes every 50 ms:
      // each change used to cancel the answer on its way, so none ever arrived.
      await page.route((url) => url.pathname === '/api/prds', async (route) => {
        await new Promise((resolve) => setTimeout(resolve, 600));
        await route.continue().catch(() => {}); // the page may have cancelled it meanwhile
      });
      await page.goto(`${served.ui.url}#/`);
      await page.locator('[data-testid=live].on').waitFor({ timeout: WAIT });
      await page.locator(`.prd-row[data-id="${prds[0]}"]`).waitFor({ timeout: WAIT });

      const store = openStore(served.storeDir);
      let writing = true;
      const specs = store.collection({ name: 'task_specs' });
      const writer = (async () => {
        // Stops once the rename shows, or after WAIT: a page that never shows it fails below.
        const until = Date.now() + WAIT;
        for (let beat = 0; writing && Date.now() < until; beat++) {
          specs.patch(spec, { description: `beat ${beat}` });
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        const stillWriting = writing;
        writing = false;
        return stillWriting;
      })();
      try {
        await expect.poll(() => changesSeen(page), { timeout: WAIT }).toBeGreaterThan(0);
        store.collection({ name: 'prds' }).patch(prds[1]!, { title: 'Renamed under load' });
        await page.locator('.prd-title', { hasText: 'Renamed under load' }).waitFor({ timeout: 2 * WAIT });
        const seenWhileWriting = writing;
        writing = false;
        await writer;
        expect(seenWhileWriting, 'the rename showed only once the writes stopped').toBe(true);
      } finally {
        writing = false;
        await writer;
        store.close();
      }
      expect(errors).toEqual([]);
    });
  });
});
