import fs from 'node:fs';
import path from 'node:path';
import { type Browser, type BrowserContext, type ConsoleMessage, type Page, chromium } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect } from 'vitest';
import { PACKAGE_ROOT } from '../../../src/package-root.js';
import { ADMIN_TOKEN, type TestPaved, startTestPaved } from '../../support/test-paved.js';

/**
 * The browser tests' harness: Debian's Chromium driven by playwright-core, headless, one browser
 * and one fresh context (an empty profile) per test file, against a Paved that serves the built
 * portal on a free port of 127.0.0.1.
 *
 * A page that logs an error to the console, or throws, fails its test, unless the test said the
 * error is expected (`allowConsoleErrors`). Without Chromium the tests fail and say how to get it;
 * `PAVED_TEST_SKIP_BROWSER=1` skips them on purpose.
 */
export const CHROMIUM_PATH = process.env.PAVED_TEST_CHROMIUM ?? '/usr/bin/chromium';
export const SKIP_BROWSER = process.env.PAVED_TEST_SKIP_BROWSER === '1';
export const SCREENSHOTS_DIR = path.join(PACKAGE_ROOT, 'test-results', 'screenshots');

export const LAPTOP = { width: 1366, height: 800 };
export const PHONE = { width: 390, height: 844 };

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--no-first-run',
];

/** `describe`, or `describe.skip` when PAVED_TEST_SKIP_BROWSER=1 says so. */
export const describeBrowser: typeof describe = SKIP_BROWSER ? (describe.skip as typeof describe) : describe;

export async function launchChromium(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium is not at ${CHROMIUM_PATH}: the browser tests need Debian's chromium ` +
        '(apt-get install -y chromium, as .ci/run does). Set PAVED_TEST_CHROMIUM to another binary, ' +
        'or PAVED_TEST_SKIP_BROWSER=1 to skip these tests on purpose.',
    );
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
}

export interface Portal {
  paved: TestPaved;
  baseUrl: string;
  browser: Browser;
  context: BrowserContext;
  /** The page of the current test (a new one per test). */
  page: Page;
  /** Console errors and uncaught exceptions of the current test's page so far. */
  consoleErrors: string[];
  /** Errors matching one of these do not fail the current test (e.g. the 401 of a bad token). */
  allowConsoleErrors(...patterns: RegExp[]): void;
  /** Puts the admin token (or `token`) where the portal keeps it, as signing in does. */
  signIn(token?: string): Promise<void>;
  /** Opens a path of the portal and waits for the network to settle. */
  open(pathAndQuery: string): Promise<void>;
}

/**
 * Sets up one Paved and one browser for the test file (in `beforeAll`), a page per test, and
 * checks each page's console after its test. Returns an object filled in before the tests run.
 */
export function usePortal(
  options: {
    env?: Record<string, string>;
    /** After Paved listens, before the browser opens (e.g. `paved.start()`, test data). */
    setup?: (paved: TestPaved, baseUrl: string) => Promise<void>;
  } = {},
): Portal {
  const portal = { consoleErrors: [] as string[] } as Portal;
  let allowed: RegExp[] = [];

  let builtAt: number | undefined;
  beforeAll(async () => {
    printScreenshotsFolderOnce();
    builtAt = portalBuiltAt();
    portal.browser = await launchChromium();
    portal.paved = await startTestPaved('sqlite', {}, options.env ?? {});
    portal.baseUrl = await portal.paved.app.listen({ port: 0, host: '127.0.0.1' });
    await options.setup?.(portal.paved, portal.baseUrl);
    portal.context = await portal.browser.newContext({ viewport: LAPTOP, baseURL: portal.baseUrl, locale: 'en-GB', timezoneId: 'UTC' });
    portal.context.setDefaultTimeout(10_000);
  });

  afterAll(async () => {
    await portal.context?.close();
    await portal.browser?.close();
    if (portal.paved) {
      // Pipeline runs the scenarios started (a golden path's first push, say) would hold up closing.
      const runs = await portal.paved.call('GET', '/api/pipelines/runs?limit=200');
      for (const run of (runs.body?.items ?? []) as { id: string; status: string }[]) {
        if (run.status === 'queued' || run.status === 'running') await portal.paved.call('POST', `/api/pipelines/runs/${run.id}/cancel`);
      }
      await portal.paved.close();
    }
  });

  beforeEach(async () => {
    allowed = [];
    portal.consoleErrors = [];
    portal.page = await portal.context.newPage();
    portal.page.on('console', (message: ConsoleMessage) => {
      if (message.type() === 'error') portal.consoleErrors.push(`console: ${message.text()} (${message.location().url})`);
    });
    portal.page.on('pageerror', (error) => portal.consoleErrors.push(`uncaught: ${error.stack ?? error.message}`));
  });

  afterEach(async () => {
    const unexpected = portal.consoleErrors.filter((error) => !allowed.some((pattern) => pattern.test(error)));
    await portal.page?.close();
    // On a shared machine another test run's global setup may rebuild dist/web under this one.
    const rebuilt = builtAt !== portalBuiltAt() ? ' (dist/web was rebuilt during this test file: another build or test run?)' : '';
    expect(unexpected, `the page logged errors to the console${rebuilt}`).toEqual([]);
  });

  portal.allowConsoleErrors = (...patterns) => {
    allowed.push(...patterns);
  };
  portal.signIn = async (token = ADMIN_TOKEN) => {
    if (!portal.page.url().startsWith(portal.baseUrl)) await portal.page.goto('/sign-in');
    await portal.page.evaluate((value) => localStorage.setItem('paved.token', value), token);
  };
  portal.open = async (pathAndQuery) => {
    await portal.page.goto(pathAndQuery);
    await portal.page.waitForLoadState('networkidle');
  };
  return portal;
}

const portalBuiltAt = (): number | undefined => {
  try {
    return fs.statSync(path.join(PACKAGE_ROOT, 'dist/web/index.html')).mtimeMs;
  } catch {
    return undefined;
  }
};

let printed = false;

/** Says once per run (not once per test file) where the screenshots go. */
function printScreenshotsFolderOnce(): void {
  if (printed) return;
  printed = true;
  fs.mkdirSync(SCREENSHOTS_DIR, { recursive: true });
  // The test files run in forks of one vitest process: the first to make the marker prints.
  const marker = path.join(SCREENSHOTS_DIR, `.printed-by-${process.ppid}`);
  try {
    fs.writeFileSync(marker, '', { flag: 'wx' });
  } catch {
    return;
  }
  for (const old of fs.readdirSync(SCREENSHOTS_DIR).filter((file) => file.startsWith('.printed-by-') && file !== path.basename(marker))) {
    fs.rmSync(path.join(SCREENSHOTS_DIR, old), { force: true });
  }
  console.log(`Browser test screenshots go to ${SCREENSHOTS_DIR}`);
}

/** A full-page PNG of the page as it is, `<name>.png` in the screenshots folder; returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(SCREENSHOTS_DIR, { recursive: true });
  const file = path.join(SCREENSHOTS_DIR, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true, animations: 'disabled' });
  return file;
}

/**
 * Screenshots of the page on a laptop (1366×800) and a phone (390×844), `<name>-laptop.png` and
 * `<name>-phone.png`, and a check that on the phone nothing runs off the side of the screen.
 * Leaves the page at the laptop size.
 */
export async function screenshotViewports(page: Page, name: string, options: { knownOverflow?: string } = {}): Promise<void> {
  try {
    await page.setViewportSize(LAPTOP);
    await screenshot(page, `${name}-laptop`);
    await page.setViewportSize(PHONE);
    await page.waitForTimeout(100);
    await screenshot(page, `${name}-phone`);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    if (overflow > 0) {
      // The widest elements that stick out, to say what to fix.
      const culprits = await page.evaluate(() =>
        [...document.querySelectorAll('body *')]
          .map((element) => ({ element, right: element.getBoundingClientRect().right }))
          .filter(({ right }) => right > window.innerWidth + 1)
          .sort((a, b) => b.right - a.right)
          .slice(0, 3)
          .map(({ element, right }) => `<${element.tagName.toLowerCase()} class="${element.getAttribute('class') ?? ''}"> to ${Math.round(right)} px`),
      );
      const message = `${name} on a 390 px phone is ${overflow} px wider than the screen: ${culprits.join(', ')}`;
      // A layout bug already reported to the page's owner: said, not failed, until it is fixed.
      if (options.knownOverflow) console.warn(`KNOWN (${options.knownOverflow}): ${message}`);
      else expect(overflow, message).toBeLessThanOrEqual(0);
    }
  } finally {
    await page.setViewportSize(LAPTOP);
  }
}
