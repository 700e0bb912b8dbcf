import { existsSync } from 'node:fs';
import { type Browser, chromium, type Page } from 'playwright-core';

/** Debian's chromium (`apt-get install -y chromium`; .ci/run installs it when missing). */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * A headless Chromium. Fails, never skips, when the browser is missing: a dashboard that no
 * browser ever loaded is not tested.
 */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM_PATH}: install it with "apt-get install -y chromium" ` +
        '(or point CHROMIUM_PATH at a Chromium binary)',
    );
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    timeout: 30_000,
    // /dev/shm is tiny in containers; without this flag Chromium's tabs crash under load.
    args: ['--disable-dev-shm-usage', '--disable-gpu'],
  });
}

export interface PageWatch {
  /** `console.error` messages and errors the browser logs itself (failed loads, CSP refusals). */
  readonly consoleErrors: string[];
  /** Uncaught exceptions of the page's scripts. */
  readonly pageErrors: string[];
  /** CSP violations the page reported (`securitypolicyviolation` events). */
  cspViolations(): Promise<string[]>;
}

/** Records what a person would see in DevTools; call before the first `goto`. */
export async function watchPage(page: Page): Promise<PageWatch> {
  const consoleErrors: string[] = [];
  const pageErrors: string[] = [];
  page.on('console', (message) => {
    // With the URL: a failed load's text alone does not say which request failed.
    if (message.type() === 'error') {
      const { url } = message.location();
      consoleErrors.push(url ? `${message.text()} (${url})` : message.text());
    }
  });
  page.on('pageerror', (error) => pageErrors.push(error.message));
  // Injected by the DevTools protocol, so the page's own CSP does not apply to it. A string:
  // this project's TypeScript has no DOM types.
  await page.addInitScript({
    content: `window.__cspViolations = [];
      document.addEventListener('securitypolicyviolation', (event) => {
        window.__cspViolations.push(event.violatedDirective + ' blocked ' + (event.blockedURI || 'inline'));
      });`,
  });
  return {
    consoleErrors,
    pageErrors,
    cspViolations: () => page.evaluate<string[]>('window.__cspViolations ?? []'),
  };
}
