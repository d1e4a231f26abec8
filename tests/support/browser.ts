import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';

/** Debian's Chromium (`apt-get install chromium`; .ci/run installs it). */
export const CHROMIUM = '/usr/bin/chromium';

/** Where the browser tests write their screenshots (gitignored). */
export const SCREENSHOTS = join(import.meta.dirname, '../../test-results/console');

export const VIEWPORTS = [
  { width: 1280, height: 800 },
  { width: 390, height: 844 },
] as const;

/** Why the browser tests cannot run here, or undefined when they can. */
export function browserMissing(): string | undefined {
  return existsSync(CHROMIUM)
    ? undefined
    : `${CHROMIUM} is missing: install Debian's chromium (apt-get install chromium) to run the console's browser tests`;
}

/**
 * Headless Chromium, quiet and offline-minded: no sandbox (root in CI), no GPU, no background
 * traffic of its own. Playwright gives every launch a new, empty profile directory
 * (`--user-data-dir` of a fresh temporary folder), so nothing carries over between runs.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-sync',
      '--disable-quic',
    ],
  });
}

/**
 * Screenshots the page at each viewport as `<name>-<width>x<height>.png`, and answers the
 * viewports at which the page is wider than the screen (a page must stay usable on a phone).
 */
export async function screenshotAtEachViewport(page: Page, name: string): Promise<string[]> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const overflowing: string[] = [];
  for (const viewport of VIEWPORTS) {
    await page.setViewportSize(viewport);
    await page.waitForTimeout(50);
    const size = `${viewport.width}x${viewport.height}`;
    await page.screenshot({ path: join(SCREENSHOTS, `${name}-${size}.png`), fullPage: true });
    // Evaluated in the page (a string: this project's types have no DOM).
    const wide = await page.evaluate<boolean>('document.documentElement.scrollWidth > window.innerWidth + 1');
    if (wide) overflowing.push(size);
  }
  await page.setViewportSize(VIEWPORTS[0]);
  return overflowing;
}
