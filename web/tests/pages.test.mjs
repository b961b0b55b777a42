// Every page at desktop and phone width: screenshots (test artefacts), an axe-core scan with no
// serious or critical violation, keyboard focus visible; and the first page's budgets (bytes of
// JavaScript and CSS, time until the catalogue is shown), written to budgets.json.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { desktop, launch, openPage, phone, screenshot } from './support/browser.mjs';
import { admin, call, eventually, startMart, stockedProduct, tokenFor } from './support/mart.mjs';
import { noTroubles, signIn } from './support/steps.mjs';

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const customer = { name: 'Pat Page', email: 'pat@example.test', password: 'pat-password-1' };
const artefacts = process.env.WEB_ARTEFACTS || 'web-artefacts';

let mart;
let browser;
let productId;
let orderId;
let customerToken;

before(async () => {
  mart = await startMart();
  browser = await launch();
  const adminToken = await tokenFor(mart.base, admin);
  const names = ['Walnut Espresso Blend', 'Ceramic Cup', 'Paper Filters', 'Gooseneck Kettle',
    'Burr Grinder', 'Oolong Tea, 100 g'];
  for (const [i, name] of names.entries()) {
    const p = await stockedProduct(mart.base, adminToken, {
      name, description: `A fine ${name.toLowerCase()} for the morning.`, price_cents: 650 + i * 900,
    }, i === 5 ? 0 : 20);
    productId ??= p.id;
  }
  await call(mart.base, 'POST', '/users', { body: customer });
  const token = await tokenFor(mart.base, customer);
  customerToken = token;
  await call(mart.base, 'PATCH', '/users/me', { token, body: { address: '1 Main Street, Springfield' } });
  for (const payment of ['tok_visa', 'tok_decline']) {
    const order = await call(mart.base, 'POST', '/orders', {
      token, body: { items: [{ product_id: productId, quantity: 2 }], payment_token: payment,
        shipping_address: '1 Main Street, Springfield' } });
    orderId ??= order.id;
  }
  await eventually(async () =>
    (await call(mart.base, 'GET', `/orders/${orderId}`, { token })).status === 'confirmed');
});

after(async () => {
  await browser?.close();
  await mart?.stop();
});

async function scan(page, name) {
  await page.evaluate(axeSource);
  const result = await page.evaluate(() => window.axe.run(document, {
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
  }));
  const grave = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(grave.map((v) => `${name}: ${v.id} (${v.impact}) ${v.nodes.map((n) => n.target).join(' ')}`), []);
}

// Each page as its user sees it, once it has its data: screenshots at both widths and a scan.
async function visitAll(who, path, pages) {
  for (const viewport of [desktop, phone]) {
    const { page, troubles, context } = await openPage(browser, mart.base, { viewport });
    await signIn(page, path, who);
    if (who === customer) {
      await page.evaluate((id) => localStorage.setItem('mart.cart', JSON.stringify([
        { product_id: id, name: 'Walnut Espresso Blend', price_cents: 650, currency: 'USD', quantity: 2 }])), productId);
    }
    for (const [name, url, ready, prepare] of pages) {
      await page.goto(url);
      if (prepare) await prepare(page);
      await page.locator(ready).first().waitFor();
      await page.evaluate(() => document.fonts.ready);
      const width = viewport === phone ? 'phone' : 'desktop';
      await screenshot(page, `${name}-${width}`);
      if (viewport === desktop) await scan(page, name);
      // Nothing is wider than the screen (no sideways scrolling on a phone).
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `${name} at ${width} is ${overflow}px wider than the screen`);
    }
    noTroubles(troubles);
    await context.close();
  }
}

test('the storefront pages: screenshots, accessibility scan, no sideways scroll', async () => {
  await visitAll(customer, '/signin', [
    ['store-catalogue', '/', '.product-card'],
    ['store-product', `/products/${productId}`, '.product-page'],
    ['store-cart', '/cart', 'table.lines'],
    ['store-checkout', '/checkout', '.demo-tokens'],
    ['store-orders', '/orders', 'table.orders'],
    ['store-order', `/orders/${orderId}`, 'table.timeline'],
    ['store-notifications', '/notifications', '.inbox li'],
    ['store-account', '/account', 'form.card'],
  ]);
  for (const [width, viewport] of [['desktop', desktop], ['phone', phone]]) {
    const anonymous = await openPage(browser, mart.base, { viewport });
    for (const [name, url] of [['store-signin', '/signin'], ['store-signup', '/signup']]) {
      await anonymous.page.goto(url);
      await anonymous.page.locator('form').waitFor();
      await screenshot(anonymous.page, `${name}-${width}`);
      if (viewport === desktop) await scan(anonymous.page, name);
    }
    noTroubles(anonymous.troubles);
    await anonymous.context.close();
  }
});

test('the admin pages: screenshots, accessibility scan, no sideways scroll', async () => {
  await visitAll(admin, '/admin', [
    ['admin-products', '/admin/products', 'table tbody tr'],
    ['admin-product-new', '/admin/products/new', 'form.card'],
    ['admin-product-edit', `/admin/products/${productId}`, 'form.card'],
    ['admin-stock', '/admin/stock', 'table.stock-levels tbody tr'],
    ['admin-orders', '/admin/orders', 'table.orders tbody tr'],
    ['admin-users', '/admin/users', 'table tbody tr'],
  ]);
  for (const [width, viewport] of [['desktop', desktop], ['phone', phone]]) {
    const refused = await openPage(browser, mart.base, { viewport });
    await signIn(refused.page, '/admin/orders', customer);
    await refused.page.getByRole('heading', { name: 'Admins only' }).waitFor();
    await screenshot(refused.page, `admin-refused-${width}`);
    if (viewport === desktop) await scan(refused.page, 'admin-refused');
    noTroubles(refused.troubles);
    await refused.context.close();
  }
});

// The console: the live flow with an order flowing, a timeline, health with a few readings.
test('the console pages: screenshots, accessibility scan, no sideways scroll', async () => {
  const flowing = async (page) => {
    await page.getByRole('status').filter({ hasText: 'Live' }).waitFor();
    await call(mart.base, 'POST', '/orders', {
      token: customerToken, body: { items: [{ product_id: productId, quantity: 1 }], payment_token: 'tok_visa' } });
  };
  await visitAll(admin, '/admin', [
    ['console-flow', '/admin/flow', '.feed-item a', flowing],
    ['console-timeline', `/admin/timeline/${orderId}`, 'svg.swimlane'],
    ['console-timeline-search', '/admin/timeline', 'form.search'],
    // A chart's line is drawn from the second reading (2 s) on.
    ['console-health', '/admin/health', 'table.health-modules tbody tr',
      (page) => page.locator('.chart path.line[d^="M"]').first().waitFor({ state: 'attached' })],
    ['console-dead-letters', '/admin/dead-letters', '.list-area .empty, .dead-letter'],
    ['console-audit', '/admin/audit', '.list-area .empty, table.audit'],
  ]);
});

test('every control can be reached by keyboard, with a visible focus', async () => {
  const { page, troubles, context } = await openPage(browser, mart.base);
  await page.goto('/');
  await page.locator('.product-card').first().waitFor();
  const seen = new Set();
  for (let i = 0; i < 30; i++) {
    await page.keyboard.press('Tab');
    const focus = await page.evaluate(() => {
      const el = document.activeElement;
      const style = getComputedStyle(el);
      return { what: `${el.tagName} ${el.textContent.trim().slice(0, 30)}`, outline: style.outlineStyle };
    });
    if (focus.what.startsWith('BODY')) continue;  // between the last control and the first
    assert.notEqual(focus.outline, 'none', `focus is visible on ${focus.what}`);
    seen.add(focus.what);
  }
  for (const wanted of ['A Cart', 'INPUT ', 'BUTTON Search', 'BUTTON Add to cart']) {
    assert.ok([...seen].some((s) => s.startsWith(wanted)), `Tab reaches ${wanted}: ${[...seen]}`);
  }
  noTroubles(troubles);
  await context.close();
});

test('budgets: the first page\'s JavaScript and CSS, and the time until the catalogue shows', async () => {
  const runs = [];
  for (let i = 0; i < 5; i++) {
    const { page, troubles, context } = await openPage(browser, mart.base);  // empty cache
    await page.goto('/');
    await page.locator('.product-card').first().waitFor();
    // Layout shift (CLS) while the page loaded: the catalogue must not jump when data arrives.
    const shift = await page.evaluate(() => new Promise((resolve) => {
      let total = 0;
      new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) if (!entry.hadRecentInput) total += entry.value;
      }).observe({ type: 'layout-shift', buffered: true });
      setTimeout(() => resolve(total), 100);
    }));
    runs.push(await page.evaluate((layoutShift) => {
      const resources = performance.getEntriesByType('resource')
        .filter((r) => r.initiatorType === 'script' || r.initiatorType === 'link' || /\.(js|css)$/.test(r.name));
      return {
        shown_ms: performance.getEntriesByName('mart:catalogue-shown')[0].startTime,
        compressed_bytes: resources.reduce((sum, r) => sum + r.encodedBodySize, 0),
        uncompressed_bytes: resources.reduce((sum, r) => sum + r.decodedBodySize, 0),
        files: resources.map((r) => r.name.replace(location.origin, '')),
        layout_shift: layoutShift,
      };
    }, shift));
    noTroubles(troubles);
    await context.close();
  }
  const times = runs.map((r) => r.shown_ms).sort((a, b) => a - b);
  const budgets = {
    first_page_js_css_compressed_bytes: runs[0].compressed_bytes,
    first_page_js_css_uncompressed_bytes: runs[0].uncompressed_bytes,
    first_page_files: runs[0].files,
    catalogue_shown_ms: { runs: times.map((t) => Math.round(t)), median: Math.round(times[2]) },
    layout_shift_max: Math.max(...runs.map((r) => r.layout_shift)),
  };
  mkdirSync(artefacts, { recursive: true });
  writeFileSync(join(artefacts, 'budgets.json'), `${JSON.stringify(budgets, null, 1)}\n`);
  console.log('web budgets:', JSON.stringify(budgets));
  assert.ok(budgets.first_page_js_css_compressed_bytes < budgets.first_page_js_css_uncompressed_bytes,
    'the files were sent compressed');
  assert.ok(budgets.first_page_js_css_compressed_bytes <= 60 * 1024, 'at most 60 KiB compressed');
  assert.ok(budgets.layout_shift_max <= 0.1, 'no layout that jumps (CLS at most 0.1, "good")');
});
