// Point 6 of the pages' issue: text from users is shown as text, the CSP is strict, and the token
// stays out of URLs and logs. Markup and script go into every field a user controls; none of it
// may become an element or run.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { launch, openPage } from './support/browser.mjs';
import { admin, call, eventually, startMart, stockedProduct, tokenFor } from './support/mart.mjs';
import { noTroubles, signIn } from './support/steps.mjs';

const attack = (n) => `<img src=x onerror="window.__xss=${n}"><script>window.__xss=${n}</script><b>bold</b>`;
const customer = {
  name: attack(1),
  email: 'mallory@example.test',
  password: 'mallory-password-1',
};

let mart;
let browser;
let product;
let orderId;

before(async () => {
  mart = await startMart();
  browser = await launch();
  const adminToken = await tokenFor(mart.base, admin);
  product = await stockedProduct(mart.base, adminToken, {
    name: `Evil ${attack(2)}`,
    description: `<svg onload="window.__xss=3"></svg><iframe src="javascript:window.__xss=4"></iframe>`,
  });
  await call(mart.base, 'POST', '/users', { body: customer });
  const token = await tokenFor(mart.base, customer);
  await call(mart.base, 'PATCH', '/users/me', { token, body: { address: attack(6) } });
  const order = await call(mart.base, 'POST', '/orders', {
    token,
    body: { items: [{ product_id: product.id, quantity: 1 }], payment_token: 'tok_visa' },
  });
  orderId = order.id;
  await eventually(async () =>
    (await call(mart.base, 'GET', `/orders/${orderId}`, { token })).status === 'confirmed');
});

after(async () => {
  await browser?.close();
  await mart?.stop();
});

// Nothing planted ran or became an element, and the planted text is there to read.
async function assertInert(page, visibleText) {
  assert.equal(await page.evaluate(() => window.__xss), undefined, 'no planted script ran');
  const planted = await page.locator('#app img[src="x"], #app script, #app svg[onload], #app iframe, #app b').count();
  assert.equal(planted, 0, 'no planted markup became an element');
  if (visibleText) await page.getByText(visibleText, { exact: false }).first().waitFor();
}

test('user text is rendered as text on every page that shows it', async () => {
  const { page, troubles, context } = await openPage(browser, mart.base);
  const requests = [];
  page.on('request', (request) => requests.push(request.url()));
  // Notification messages are written by Mart, not users; the inbox must still treat them as text.
  await signIn(page, '/signin', customer);
  await page.locator('.product-card').first().waitFor();
  await assertInert(page, '<img src=x onerror=');
  await page.goto(`/products/${product.id}`);
  await assertInert(page, '<iframe src="javascript:');
  await page.goto('/account');
  await assertInert(page);
  assert.equal(await page.getByLabel('Name').inputValue(), customer.name);
  assert.equal(await page.getByLabel('Address').inputValue(), attack(6));
  await page.goto(`/orders/${orderId}`);
  await page.locator('.order-status .status').getByText('Confirmed').waitFor();
  await assertInert(page, 'Evil <img src=x');
  await page.route('**/api/v1/notifications*', (route) => route.fulfill({
    json: { items: [{ id: 1, user_id: 1, event_type: 'x', order_id: orderId, message: attack(7),
      channel: 'inbox', status: 'sent', read: false, created_at: new Date().toISOString() }],
    next_cursor: null } }));
  await page.goto('/notifications');
  await assertInert(page, '<script>window.__xss=7');

  const token = await page.evaluate(() => JSON.parse(localStorage.getItem('mart.session')).token);
  assert.ok(token.length > 20);
  assert.ok(requests.every((url) => !url.includes(token)), 'the token is in no URL');
  noTroubles(troubles);
  await context.close();

  const staff = await openPage(browser, mart.base);
  await signIn(staff.page, '/admin/users', admin);
  await assertInert(staff.page, '<img src=x onerror="window.__xss=1">');
  await staff.page.goto('/admin/products');
  await assertInert(staff.page, 'Evil <img');
  await staff.page.goto(`/admin/products/${product.id}`);
  await assertInert(staff.page);
  assert.equal(await staff.page.getByLabel('Name').inputValue(), product.name);
  await staff.page.goto(`/admin/orders`);
  await assertInert(staff.page);
  noTroubles(staff.troubles);
  await staff.context.close();

  assert.ok(!mart.log().includes(token), 'the token is in no log line');
});

test('pages are sent with a strict CSP and refuse framing', async () => {
  for (const path of ['/', '/orders/1', '/admin/products']) {
    const response = await fetch(`${mart.base}${path}`);
    assert.equal(response.status, 200, path);
    const csp = response.headers.get('content-security-policy');
    assert.ok(csp, `${path} has a CSP`);
    assert.ok(!csp.includes('unsafe-inline') && !csp.includes('unsafe-eval'), csp);
    assert.match(csp, /script-src 'self'/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.equal(response.headers.get('x-frame-options'), 'DENY');
  }
});

test('an inline script planted in a page would not run', async () => {
  // The CSP itself is checked in the browser: a script element added by an attacker with DOM
  // access (the worst case) is refused by the policy.
  const { page, troubles, context } = await openPage(browser, mart.base);
  await page.goto('/');
  await page.locator('.product-card').first().waitFor();
  const ran = await page.evaluate(async () => {
    const script = document.createElement('script');
    script.textContent = 'window.__inline = true';
    document.body.append(script);
    await new Promise((resolve) => setTimeout(resolve, 100));
    return window.__inline === true;
  });
  assert.equal(ran, false, 'the CSP refused the inline script');
  assert.ok(troubles.some((t) => /Content Security Policy/.test(t)), 'and Chromium says why');
  await context.close();
});
