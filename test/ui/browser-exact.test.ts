/**
 * `taskstore ui` in a real headless Chromium shows integers beyond 2^53 with the digits
 * the log holds: a record's fields, its history's diffs, a collection's table and a
 * board card's unmet dependency. (`res.json()` in the page would round
 * 12345678901234567890 to 12345678901234567000.) Skipped, with a message, only when
 * /usr/bin/chromium is absent, as the other browser tests.
 */
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../cli/run-cli.js';
import { BIG, M, NEG, roundedIn, seedBigIntegers, type BigSeeded } from './big-integers-seed.js';
import { startUiProcess, type UiProcess } from './ui-process.js';
import { CHROMIUM, hasChromium, launchChromium } from './chromium.js';

if (!hasChromium) console.warn(`[ui browser tests] skipped: ${CHROMIUM} is missing (install it with: apt-get install -y chromium)`);
/** Generous: the CI machine is 2 shared cores. */
const WAIT = 15_000;

describe.skipIf(!hasChromium)('integers beyond 2^53 in the page', () => {
  const root = mkdtempSync(join(tmpdir(), 'taskstore-ui-exact-browser-'));
  const storeDir = join(root, '.taskstore');
  let ui: UiProcess;
  let browser: Browser;
  let seeded: BigSeeded;
  let waiting: string;
  let waitingRun: string;

  beforeAll(async () => {
    const store = openStore(storeDir);
    seeded = seedBigIntegers(store);
    // A pending spec whose hand-written dependency and phase name are such numbers: blocked, and its card says so.
    waiting = store.createTaskSpec({ prd_id: seeded.prd, phase_name: 'waits for a number' });
    waitingRun = store.createExecution({ ts_id: waiting, worktree_path: '/wt', branch_name: 'w' });
    const text = store.collection({ name: 'task_specs' }).getText(waiting)!;
    const updatedAt = (JSON.parse(text) as { updated_at: number }).updated_at;
    appendFileSync(join(storeDir, 'task_specs.jsonl'), `${text.replace(/"updated_at":\d+/, `"updated_at":${updatedAt + 1}`).replace('"dependencies":[]', `"dependencies":[${BIG}]`).replace('"phase_name":"waits for a number"', `"phase_name":${M}`)}\n`);
    store.close();
    ui = await startUiProcess(storeDir);
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await ui?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  /** Opens `hash`, runs `check`, and fails on any page error. */
  const visit = async (hash: string, check: (page: Page) => Promise<void>): Promise<void> => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const errors: string[] = [];
    try {
      const page = await context.newPage();
      page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
      page.on('console', (msg) => {
        if (msg.type() === 'error') errors.push(`console: ${msg.text()}`);
      });
      await page.goto(`${ui.url}${hash}`);
      await check(page);
      const text = (await page.locator('body').textContent()) ?? '';
      expect(roundedIn(text), hash).toEqual([]);
      expect(text, hash).not.toContain('exact-integer');
    } finally {
      await context.close();
    }
    expect(errors, 'uncaught page errors').toEqual([]);
  };

  it("a record's fields and its history's diffs show every digit", async () => {
    await visit(`#/record/${seeded.note}`, async (page) => {
      await expect.poll(() => page.locator('dd[data-field=n]').textContent().catch(() => ''), { timeout: WAIT }).toBe(BIG);
      expect(await page.locator('dd[data-field=m]').textContent()).toBe(M);
      const meta = (await page.locator('dd[data-field=meta]').textContent()) ?? '';
      expect(meta).toContain(NEG);
      expect(meta).toContain(`"${BIG}"`); // the string stays a quoted string
      await expect.poll(() => page.locator('[data-testid=timeline]').textContent().catch(() => ''), { timeout: WAIT }).toContain(BIG);
    });
    for (const id of [seeded.prd, seeded.spec, seeded.execution]) {
      await visit(`#/record/${id}`, async (page) => {
        await expect.poll(() => page.locator('dd[data-field=n]').textContent().catch(() => ''), { timeout: WAIT }).toBe(BIG);
        expect(await page.locator('dd[data-field=m]').textContent()).toBe(M);
      });
    }
  });

  it("a collection's table shows every digit", async () => {
    await visit('#/collection/notes', async (page) => {
      await expect.poll(() => page.locator('[data-testid=collection-table]').textContent().catch(() => ''), { timeout: WAIT }).toContain(BIG);
      expect(await page.locator('[data-testid=collection-table]').textContent()).toContain(M);
    });
  });

  it("a board card and the executions table show a dependency and a phase name that are such numbers with every digit", async () => {
    await visit(`#/prd/${seeded.prd}`, async (page) => {
      const card = page.locator(`.card[data-id="${waiting}"] .waits`);
      await expect.poll(() => card.textContent().catch(() => ''), { timeout: WAIT }).toBe(`waits for ${BIG}`);
      expect(await page.locator(`.card[data-id="${waiting}"] .card-title`).textContent()).toBe(M);
    });
    await visit('#/executions', async (page) => {
      const phase = page.locator(`[data-testid=executions] tr[data-id="${waitingRun}"] td`).nth(1);
      await expect.poll(() => phase.textContent().catch(() => ''), { timeout: WAIT }).toBe(M);
    });
  });
});
