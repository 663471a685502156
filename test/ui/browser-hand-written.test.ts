/**
 * Status badges of records another program wrote with a status that is not text (an
 * object, a number): the page shows the value as written, as every other field, in real
 * Chromium against a real `taskstore ui` process.
 */
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../cli/run-cli.js';
import { startUiProcess, type UiProcess } from './ui-process.js';
import { hasChromium, launchChromium } from './chromium.js';

const WAIT = 15_000;

describe.skipIf(!hasChromium)('a status written as something other than text', () => {
  const root = mkdtempSync(join(tmpdir(), 'taskstore-ui-status-'));
  const storeDir = join(root, '.taskstore');
  let ui: UiProcess;
  let browser: Browser;

  beforeAll(async () => {
    openStore(storeDir).close();
    const now = Date.now();
    appendFileSync(join(storeDir, 'prds.jsonl'), `${JSON.stringify({ id: 'odd-prd', title: 'odd', status: { phase: 'review' }, created_at: now, updated_at: now })}\n`);
    appendFileSync(
      join(storeDir, 'executions.jsonl'),
      `${JSON.stringify({ id: 'odd-run', ts_id: 'none', worktree_path: '/wt', branch_name: 'b', status: 7, started_at: now, created_at: now, updated_at: now })}\n`,
    );
    ui = await startUiProcess(storeDir);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await ui?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it('is shown as written on the PRD list, the board, the record and the executions (it read [object Object])', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    try {
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (err) => errors.push(err.message));
      const badge = async (hash: string, row: string): Promise<string | null> => {
        await page.goto(`${ui.url}${hash}`);
        const located = page.locator(`${row} .badge`).first();
        await located.waitFor({ timeout: WAIT });
        return located.textContent();
      };
      expect(await badge('#/', '.prd-row[data-id="odd-prd"]')).toBe('{"phase":"review"}');
      expect(await badge('#/prd/odd-prd', '.prd-header h1')).toBe('{"phase":"review"}');
      expect(await badge('#/record/odd-prd', 'dd[data-field=status]')).toBe('{"phase":"review"}');
      expect(await badge('#/executions', 'main table')).toBe('7');
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
