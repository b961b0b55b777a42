// A customer's whole visit, in Debian's Chromium against the real binary: sign up, search, fill
// the cart (it survives a reload), check out, see the order confirmed live, a declined card and
// a cancellation, "my orders", the inbox, the profile, the password, and signing out.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { launch, openPage } from './support/browser.mjs';
import { admin, call, eventually, startMart, stockedProduct, tokenFor } from './support/mart.mjs';
import { addFromSearch, checkout, noTroubles, orderStatus, signUp } from './support/steps.mjs';

let mart;
let browser;
let visit;
const customer = { name: 'Ada Shopper', email: 'ada@example.test', password: 'ada-password-1' };

before(async () => {
  mart = await startMart();
  browser = await launch();
  const adminToken = await tokenFor(mart.base, admin);
  await stockedProduct(mart.base, adminToken,
    { name: 'Walnut Espresso Blend', description: 'Dark and nutty.', price_cents: 1250 }, 50);
  await stockedProduct(mart.base, adminToken,
    { name: 'Ceramic Cup', description: 'Holds 200 ml.', price_cents: 800 }, 10);
  visit = await openPage(browser, mart.base);
});

after(async () => {
  await browser?.close();
  await mart?.stop();
});

test('a customer signs up, searches and fills a cart that survives a reload', async () => {
  const { page } = visit;
  await signUp(page, customer);
  await addFromSearch(page, 'walnut', 'Walnut Espresso Blend');
  // The heading shows the query at once; the results replace the catalogue when they arrive.
  await page
    .waitForFunction(() => document.querySelectorAll('.product-card h2').length === 1, null, {
      timeout: 5000,
    })
    .catch(() => {});
  assert.equal(await page.locator('.product-card h2').count(), 1, 'the search found one product');

  await page.getByLabel('Search the catalogue').fill('cup');
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await page.getByRole('link', { name: 'Ceramic Cup' }).click();
  await page.getByText('10 available').waitFor();
  await page.getByLabel('Quantity').fill('2');
  await page.getByRole('button', { name: 'Add to cart' }).click();

  await page.reload();
  await page.getByRole('link', { name: /Cart/ }).getByText('3').waitFor();
  await page.getByRole('link', { name: /Cart/ }).click();
  assert.match(await page.locator('.total').innerText(), /\$28\.50/);
  await page.getByLabel('Quantity of Walnut Espresso Blend').fill('2');
  await page.getByLabel('Quantity of Walnut Espresso Blend').press('Tab');
  assert.match(await page.locator('.total').innerText(), /\$41\.00/);
  noTroubles(visit.troubles);
});

test('checkout: the order moves from reserved to confirmed live, with its timeline', async () => {
  const { page } = visit;
  // The provider is down for 2 s: the order waits "reserved", then is confirmed, with no reload.
  const id = await checkout(page, 'tok_outage_2s');
  let loads = 0;
  page.on('load', () => loads++);
  await orderStatus(page).getByText('Stock reserved').waitFor({ timeout: 10000 });
  await orderStatus(page).getByText('Confirmed').waitFor({ timeout: 15000 });
  assert.equal(loads, 0, 'the status changed without loading the page again');
  assert.equal(await page.getByRole('link', { name: /Cart/ }).getByText('0').count(), 1,
    'the cart was emptied');
  const timeline = page.locator('table.timeline');
  await eventually(async () => (await timeline.locator('tbody tr').count()) >= 3, 5000, 'timeline');
  const sources = await timeline.locator('tbody td:nth-child(3)').allInnerTexts();
  for (const module of ['orders', 'inventory', 'payments']) {
    assert.ok(sources.includes(module), `the timeline shows an event from ${module}`);
  }
  assert.ok(id > 0);
  noTroubles(visit.troubles);
});

test('a declined card ends cancelled with its reason shown', async () => {
  const { page } = visit;
  await addFromSearch(page, 'cup', 'Ceramic Cup');
  await checkout(page, 'tok_decline_card');
  await orderStatus(page).getByText('Cancelled').waitFor({ timeout: 10000 });
  await page.getByText('The payment was declined.').waitFor();
  noTroubles(visit.troubles);
});

test('a customer cancels an order while it waits for payment', async () => {
  const { page } = visit;
  await addFromSearch(page, 'cup', 'Ceramic Cup');
  await checkout(page, 'tok_outage_30s');
  await orderStatus(page).getByText('Stock reserved').waitFor({ timeout: 10000 });
  await page.getByRole('button', { name: 'Cancel this order' }).click();
  await orderStatus(page).getByText('Cancelled').waitFor();
  await page.getByText('Cancelled at the customer’s request.').waitFor();
  noTroubles(visit.troubles);
});

test('"my orders" filters by status', async () => {
  const { page } = visit;
  await page.getByRole('link', { name: 'My orders' }).click();
  await page.locator('table.orders tbody tr').nth(2).waitFor();
  assert.equal(await page.locator('table.orders tbody tr').count(), 3);
  await page.getByLabel('Status').selectOption('cancelled');
  await page.waitForURL(/status=cancelled/);
  await eventually(async () => (await page.locator('table.orders tbody tr').count()) === 2, 5000,
    'the cancelled orders only');
  await page.getByLabel('Status').selectOption('confirmed');
  await eventually(async () => (await page.locator('table.orders tbody tr').count()) === 1, 5000,
    'the confirmed order only');
  // A confirmed order can still be cancelled from the list (and is then refunded).
  await page.getByRole('button', { name: /^Cancel order \d+$/ }).click();
  await page.locator('table.orders tbody tr').getByText('Cancelled').waitFor();
  noTroubles(visit.troubles);
});

test('the inbox counts unread notifications and marks them read', async () => {
  const { page } = visit;
  await page.goto('/notifications');
  const badge = page.getByRole('link', { name: /Notifications/ }).locator('.badge');
  await eventually(async () => Number(await badge.innerText().catch(() => '0')) >= 5, 10000,
    'the unread count');
  const before = Number(await badge.innerText());
  await page.getByRole('button', { name: 'Mark as read' }).first().click();
  await eventually(async () => Number(await badge.innerText()) === before - 1, 5000,
    'one fewer unread');
  noTroubles(visit.troubles);
});

test('the profile and the password can be changed; signing out forgets the token', async () => {
  const { page } = visit;
  await page.getByRole('link', { name: 'Account' }).click();
  await page.getByLabel('Address').fill('1 Main Street\nSpringfield');
  await page.getByRole('button', { name: 'Save profile' }).click();
  await page.getByText('Profile saved.').waitFor();

  // The saved address is where the next order ships: sent with it, kept, shown on its page.
  await addFromSearch(page, 'walnut', 'Walnut Espresso Blend');
  const shipped = await checkout(page, 'tok_visa');
  await page.locator('.address').getByText('1 Main Street').waitFor();
  const sessionToken = await page.evaluate(() => JSON.parse(localStorage.getItem('mart.session')).token);
  const placed = await call(mart.base, 'GET', `/orders/${shipped}`, { token: sessionToken });
  assert.equal(placed.shipping_address, '1 Main Street\nSpringfield');
  await page.getByRole('link', { name: 'Account' }).click();

  await page.getByLabel('Current password').fill('wrong-password');
  await page.getByLabel('New password').fill('new-password-2');
  await page.getByRole('button', { name: 'Change password' }).click();
  await page.locator('.problem').waitFor();
  await page.getByLabel('Current password').fill(customer.password);
  await page.getByLabel('New password').fill('short');
  await page.getByRole('button', { name: 'Change password' }).click();
  await page.locator('.field.invalid .error').waitFor();
  await page.getByLabel('New password').fill('new-password-2');
  await page.getByRole('button', { name: 'Change password' }).click();
  await page.getByText('Password changed.').waitFor();

  const me = await tokenFor(mart.base, { email: customer.email, password: 'new-password-2' });
  const profile = await call(mart.base, 'GET', '/users/me', { token: me });
  assert.equal(profile.address, '1 Main Street\nSpringfield');

  const token = await page.evaluate(() => JSON.parse(localStorage.getItem('mart.session')).token);
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('link', { name: 'Sign in' }).waitFor();
  assert.equal(await page.evaluate(() => localStorage.getItem('mart.session')), null);
  await eventually(async () => (await fetch(`${mart.base}/api/v1/users/me`, {
    headers: { Authorization: `Bearer ${token}` } })).status === 401, 3000, 'the token to end');
  noTroubles(visit.troubles);
});
