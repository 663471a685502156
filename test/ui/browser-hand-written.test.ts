/**
 * Records another program wrote with a status or a content that is not text (an object,
 * a number): the page shows the value as written, as every other field, in real Chromium
 * against a real `taskstore ui` process.
 */
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStore } from '../cli/run-cli.js';
import { hasChromium, withPage } from './chromium.js';
import { servedStoreInBrowser } from './browser-fixture.js';

const WAIT = 15_000;

describe.skipIf(!hasChromium)('a status or a content written as something other than text', () => {

  const served = servedStoreInBrowser('taskstore-ui-status-', (storeDir) => {
    openStore(storeDir).close();
    const now = Date.now();
    appendFileSync(join(storeDir, 'prds.jsonl'), `${JSON.stringify({ id: 'odd-prd', title: 'odd', status: { phase: 'review' }, created_at: now, updated_at: now })}\n`);
    appendFileSync(
      join(storeDir, 'executions.jsonl'),
      [
        { id: 'odd-run', ts_id: 'none', worktree_path: '/wt', branch_name: 'b', status: 7, started_at: now, created_at: now, updated_at: now },
        { id: 'null-run', ts_id: null, worktree_path: '/wt', branch_name: 'b', status: 'failed', started_at: 'noon', created_at: now, updated_at: now },
      ]
        .map((line) => `${JSON.stringify(line)}\n`)
        .join(''),
    );
    appendFileSync(
      join(storeDir, 'notes.jsonl'),
      [
        { id: 'number-content', title: 'n', content: 42, created_at: now, updated_at: now },
        { id: 'object-content', title: 'o', content: { body: 'kept' }, created_at: now, updated_at: now },
        { id: 'own-constructor', title: 'c', constructor: 'mine', toString: 'also mine', created_at: now, updated_at: now },
      ]
        .map((line) => `${JSON.stringify(line)}\n`)
        .join(''),
    );
  });

  it('is shown as written on the PRD list, the board, the record and the executions (it read [object Object])', async () => {
    await withPage(served.browser, async (page, errors) => {
      const badge = async (hash: string, row: string): Promise<string | null> => {
        await page.goto(`${served.ui.url}${hash}`);
        const located = page.locator(`${row} .badge`).first();
        await located.waitFor({ timeout: WAIT });
        return located.textContent();
      };
      expect(await badge('#/', '.prd-row[data-id="odd-prd"]')).toBe('{"phase":"review"}');
      expect(await badge('#/prd/odd-prd', '.prd-header h1')).toBe('{"phase":"review"}');
      expect(await badge('#/record/odd-prd', 'dd[data-field=status]')).toBe('{"phase":"review"}');
      expect(await badge('#/executions', 'tr[data-id="odd-run"]')).toBe('7');
      expect(errors).toEqual([]);
    });
  });

  it('an execution whose ts_id is null and whose start is no time is listed as written (the view threw and stayed on Loading…)', async () => {
    await withPage(served.browser, async (page, errors) => {
      await page.goto(`${served.ui.url}#/executions`);
      const row = page.locator('tr[data-id="null-run"]');
      await row.waitFor({ timeout: WAIT });
      const cells = await row.locator('td').allTextContents();
      expect(cells.slice(0, 6)).toEqual(['failed', 'null', '—', '0', '—', 'noon']);
      expect(await row.locator('a.record-link').count()).toBe(1); // its own id only
      expect(errors).toEqual([]);
    });
  });

  it('a content that is not text (a number, an object) is shown as a field, not left out (only text content is rendered as markdown)', async () => {
    await withPage(served.browser, async (page, errors) => {
      const content = async (id: string): Promise<string | null> => {
        await page.goto(`${served.ui.url}#/record/${id}`);
        // This record's fields, not those of the record shown before (same page, new hash).
        await page.locator('[data-testid=fields] dd[data-field=id]', { hasText: new RegExp(`^${id}$`) }).waitFor({ timeout: WAIT });
        const field = page.locator('[data-testid=fields] dd[data-field=content]');
        return (await field.count()) === 0 ? null : field.textContent();
      };
      expect(await content('number-content')).toBe('42');
      expect(JSON.parse((await content('object-content'))!)).toEqual({ body: 'kept' });
      expect(errors).toEqual([]);
    });
  });

  it("a column that only some records have, named like an object's own members (constructor, toString), is empty for the others (it showed `function Object() { [native code] }`)", async () => {
    await withPage(served.browser, async (page, errors) => {
      await page.goto(`${served.ui.url}#/collection/notes`);
      const table = page.locator('[data-testid=collection-table]');
      await table.locator('tr[data-id="own-constructor"]').waitFor({ timeout: WAIT });
      const headers = await table.locator('thead th').allTextContents();
      const cells = async (id: string): Promise<string[]> => {
        const texts = await table.locator(`tr[data-id="${id}"] td`).allTextContents();
        return ['constructor', 'toString'].map((column) => texts[headers.indexOf(column)]!);
      };
      expect(await cells('own-constructor')).toEqual(['mine', 'also mine']);
      expect(await cells('number-content')).toEqual(['', '']);
      expect(errors).toEqual([]);
    });
  });
});
