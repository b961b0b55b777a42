// Debian's Chromium (never a downloaded one), driven by playwright-core. Every page is watched:
// a request to another origin, a console error, an uncaught exception or a CSP violation fails
// the test that caused it.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

export const desktop = { width: 1280, height: 800 };
export const phone = { width: 360, height: 740 };

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    // The test runs as root in a container, where Chromium's sandbox cannot start.
    args: ['--no-sandbox', '--disable-dev-shm-usage'],
  });
}

// A fresh context (empty cache and storage) and page on `base`, with its troubles recorded.
export async function openPage(browser, base, { viewport = desktop } = {}) {
  const context = await browser.newContext({ viewport, baseURL: base });
  const page = await context.newPage();
  const troubles = [];
  const origin = new URL(base).origin;
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith('data:') || new URL(url).origin === origin) return route.continue();
    troubles.push(`request to another origin: ${url}`);
    return route.abort();
  });
  page.on('console', (message) => {
    // A refused API call is shown on the page and logged by the browser as a failed resource,
    // as the tests of refusals expect; a failed page or asset is caught below instead.
    if (message.type() === 'error' && !/Failed to load resource/.test(message.text())) {
      troubles.push(`console error: ${message.text()}`);
    }
  });
  page.on('response', (response) => {
    const path = new URL(response.url()).pathname;
    if (response.status() >= 400 && !path.startsWith('/api/')) {
      troubles.push(`${response.status()} for ${path}`);
    }
  });
  page.on('pageerror', (error) => troubles.push(`uncaught: ${error.message}`));
  context.setDefaultTimeout(10000);
  // WEB_DEBUG=1: the browser's console and every refused request (with its body) on stderr.
  if (process.env.WEB_DEBUG) {
    page.on('console', (m) => console.error('[browser]', m.type(), m.text()));
    page.on('response', async (r) => r.status() >= 400 && console.error('[browser]', r.status(),
      r.url(), r.request().postData(), await r.text().catch(() => '')));
  }
  return { context, page, troubles };
}

// Screenshots go to the build's artefacts (WEB_ARTEFACTS), one per page and width.
export async function screenshot(page, name) {
  const dir = process.env.WEB_ARTEFACTS || 'web-artefacts';
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: join(dir, `${name}.png`), fullPage: true });
}
