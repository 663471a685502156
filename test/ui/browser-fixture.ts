/**
 * One describe block's dashboard in a browser: a store in a temp directory that `seed`
 * fills, a real `taskstore ui` process serving it, and a headless chromium; started in
 * `beforeAll`, stopped and removed in `afterAll`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { startUiProcess, type UiProcess } from './ui-process.js';
import { launchChromium } from './chromium.js';

export interface ServedStore {
  readonly storeDir: string;
  /** The `taskstore ui` process (from `beforeAll` on). */
  readonly ui: UiProcess;
  /** The browser (from `beforeAll` on). */
  readonly browser: Browser;
}

/** Registers the hooks; `prefix` names the temp directory (`taskstore-ui-…-`). */
export function servedStoreInBrowser(prefix: string, seed: (storeDir: string) => void): ServedStore {
  const root = mkdtempSync(join(tmpdir(), prefix));
  const storeDir = join(root, '.taskstore');
  let ui: UiProcess | undefined;
  let browser: Browser | undefined;
  beforeAll(async () => {
    seed(storeDir);
    ui = await startUiProcess(storeDir);
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await ui?.stop();
    rmSync(root, { recursive: true, force: true });
  });
  const started = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`the ${what} is started in beforeAll`);
    return value;
  };
  return {
    storeDir,
    get ui() {
      return started(ui, 'ui process');
    },
    get browser() {
      return started(browser, 'browser');
    },
  };
}
