/**
 * Debian's chromium, driven by playwright-core (nothing here can download a browser): the
 * one place the browser tests find and launch it.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);

/** A headless chromium; playwright's launch() already gives it a fresh, temporary --user-data-dir. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/**
 * Runs `fn` on a fresh page (a context of its own, 1280×800) with the page's uncaught
 * errors collected in `errors`, and closes the context afterwards, also when `fn` throws.
 */
export async function withPage<T>(browser: Browser, fn: (page: Page, errors: string[]) => Promise<T>): Promise<T> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  try {
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    return await fn(page, errors);
  } finally {
    await context.close();
  }
}
