// The admin pages in Debian's Chromium against the real binary: a customer is refused; an admin
// creates a product (errors shown at the fields the API names), stocks it (the 409 explained),
// ships an order, refunds another, deletes a product and lists the users.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { launch, openPage } from './support/browser.mjs';
import { admin, call, eventually, startMart, stockedProduct, tokenFor } from './support/mart.mjs';
import { noTroubles, signIn } from './support/steps.mjs';

let mart;
let browser;
let adminToken;
const customer = { name: 'Cy Customer', email: 'cy@example.test', password: 'cy-password-1' };

before(async () => {
  mart = await startMart();
  browser = await launch();
  adminToken = await tokenFor(mart.base, admin);
  await call(mart.base, 'POST', '/users', { body: customer });
});

after(async () => {
  await browser?.close();
  await mart?.stop();
});

async function confirmedOrder(productId) {
  const token = await tokenFor(mart.base, customer);
  const order = await call(mart.base, 'POST', '/orders', {
    token,
    body: {
      items: [{ product_id: productId, quantity: 1 }],
      payment_token: 'tok_visa',
      shipping_address: '7 Harbour Road, Dover',
    },
  });
  await eventually(async () =>
    (await call(mart.base, 'GET', `/orders/${order.id}`, { token })).status === 'confirmed',
  10000, `order ${order.id} confirmed`);
  return order.id;
}

test('a customer cannot reach an admin page', async () => {
  const visit = await openPage(browser, mart.base);
  await signIn(visit.page, '/admin/products', customer);
  await visit.page.getByRole('heading', { name: 'Admins only' }).waitFor();
  assert.equal(await visit.page.locator('table').count(), 0, 'no admin data is shown');
  noTroubles(visit.troubles);
  await visit.context.close();
});

test('an admin creates, edits, stocks and deletes a product', async () => {
  const { page, troubles, context } = await openPage(browser, mart.base);
  await signIn(page, '/admin', admin);
  await page.getByRole('link', { name: 'New product' }).click();
  await page.getByLabel('Price').fill('-5');
  await page.getByRole('button', { name: 'Create product' }).click();
  // The API's per-field errors appear at those fields.
  await page.locator('.field.invalid', { has: page.getByLabel('Name') }).locator('.error').waitFor();
  await page.locator('.field.invalid', { has: page.getByLabel('Price') }).locator('.error').waitFor();

  await page.getByLabel('Name').fill('Copper Kettle');
  await page.getByLabel('Description').fill('Hammered copper, 1 l.');
  await page.getByLabel('Price').fill('59.90');
  await page.getByRole('button', { name: 'Create product' }).click();
  await page.waitForURL(/\/admin\/products\/\d+$/);
  const id = Number(new URL(page.url()).pathname.split('/').pop());
  await page.getByLabel('Price').fill('54.90');
  await page.getByRole('button', { name: 'Save changes' }).click();
  await page.getByText('Saved.').waitFor();
  assert.equal((await call(mart.base, 'GET', `/products/${id}`)).price_cents, 5490);

  await page.getByRole('link', { name: 'Stock of this product' }).click();
  await page.getByLabel('Change in stock of Copper Kettle').fill('5');
  await page.getByRole('button', { name: 'Adjust' }).click();
  await page.locator('table.stock-levels tbody td:nth-child(2)').getByText('5', { exact: true }).waitFor();
  await page.getByLabel('Change in stock of Copper Kettle').fill('-10');
  await page.getByRole('button', { name: 'Adjust' }).click();
  await page.getByText(/stock cannot go below zero/).waitFor();
  assert.equal((await call(mart.base, 'GET', `/inventory/${id}`)).available, 5);

  await page.goto(`/admin/products/${id}`);
  await page.getByRole('button', { name: 'Delete…' }).click();
  await page.getByRole('button', { name: 'Yes, delete' }).click();
  await page.waitForURL(/\/admin\/products$/);
  await call(mart.base, 'GET', `/products/${id}`, { expect: 404 });
  noTroubles(troubles);
  await context.close();
});

test('an admin ships one order and refunds another', async () => {
  const product = await stockedProduct(mart.base, adminToken, { name: 'Tea Tin', price_cents: 700 });
  const toShip = await confirmedOrder(product.id);
  const toRefund = await confirmedOrder(product.id);
  const { page, troubles, context } = await openPage(browser, mart.base);
  await signIn(page, '/admin/orders?status=confirmed', admin);
  // The admin sees where an order ships before shipping it.
  await page.locator('tr', { has: page.getByRole('button', { name: `Ship order ${toShip}` }) })
    .getByText('7 Harbour Road, Dover').waitFor();
  await page.getByRole('button', { name: `Ship order ${toShip}` }).click();
  await page.locator('tr', { has: page.getByRole('button', { name: `Payments…` }) })
    .filter({ hasText: 'Shipped' }).first().waitFor();
  assert.equal((await call(mart.base, 'GET', `/orders/${toShip}`, { token: adminToken })).status,
    'shipped');

  const row = page.locator('tr', { has: page.getByRole('button', { name: `Cancel order ${toRefund}` }) });
  await row.getByRole('button', { name: 'Payments…' }).click();
  await row.getByRole('button', { name: /Refund payment/ }).click();
  await row.getByText('Refunded').waitFor();
  const payments = await call(mart.base, 'GET', `/payments?order_id=${toRefund}`, { token: adminToken });
  assert.equal(payments.items[0].status, 'refunded');
  noTroubles(troubles);
  await context.close();
});

test('an admin lists the users', async () => {
  const { page, troubles, context } = await openPage(browser, mart.base);
  await signIn(page, '/admin/users', admin);
  await page.getByRole('cell', { name: customer.email }).waitFor();
  await page.getByRole('cell', { name: admin.email }).waitFor();
  noTroubles(troubles);
  await context.close();
});
