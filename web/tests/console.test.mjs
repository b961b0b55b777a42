// The operator's console in Debian's Chromium against the real binary: an order placed through
// the API shows in the live flow within a second (pause holds it back, filters hide other
// modules) and its timeline has a lane for every module that took part; a webhook receiver that
// refuses makes dead letters, one is discarded with a reason, one is replayed from the page once
// the receiver accepts and shows delivered, and the audit list names the admin for both.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { launch, openPage } from './support/browser.mjs';
import { admin, call, eventually, startMart, stockedProduct, tokenFor } from './support/mart.mjs';
import { noTroubles, signIn } from './support/steps.mjs';

let browser;

before(async () => {
  browser = await launch();
});

after(async () => {
  await browser?.close();
});

async function customerToken(base, name) {
  const person = { name, email: `${name.toLowerCase()}@example.test`, password: `${name.toLowerCase()}-password-1` };
  await call(base, 'POST', '/users', { body: person });
  return tokenFor(base, person);
}

const placeOrder = (base, token, productId) => call(base, 'POST', '/orders', {
  token, body: { items: [{ product_id: productId, quantity: 1 }], payment_token: 'tok_visa' },
});

describe('live flow and order timeline', () => {
  let mart;
  let token;
  let productId;

  before(async () => {
    mart = await startMart();
    const adminToken = await tokenFor(mart.base, admin);
    productId = (await stockedProduct(mart.base, adminToken, { name: 'Flow Tea' }, 50)).id;
    token = await customerToken(mart.base, 'Flo');
  });

  after(async () => {
    await mart?.stop();
  });

  test('an order placed through the API shows in the live flow within a second', async () => {
    const { page, troubles, context } = await openPage(browser, mart.base);
    await signIn(page, '/admin/flow', admin);
    await page.getByRole('status').filter({ hasText: 'Live' }).waitFor();

    const placed = Date.now();
    const order = await placeOrder(mart.base, token, productId);
    const orders = page.getByRole('region', { name: /^orders/ });
    await orders.getByRole('link', { name: `order_placed · order ${order.id}` }).waitFor({ timeout: 1000 });
    const shownAfter = Date.now() - placed;
    assert.ok(shownAfter < 1000, `shown after ${shownAfter} ms`);
    // Each module's events in its own section; the rate of the type counted.
    await page.getByRole('region', { name: /^inventory/ })
      .getByRole('link', { name: `stock_reserved · order ${order.id}` }).waitFor();
    await page.getByRole('region', { name: /^payments/ })
      .getByRole('link', { name: `payment_succeeded · order ${order.id}` }).waitFor();
    const rate = page.getByRole('table', { name: /Events per second/ }).getByRole('row', { name: /orders\.order_placed\.v2/ });
    assert.notEqual((await rate.getByRole('cell').nth(1).textContent()).trim(), '0.0');

    // Paused, the page holds new events back (and counts them); resumed, they show.
    await page.getByRole('button', { name: 'Pause' }).click();
    const held = await placeOrder(mart.base, token, productId);
    await page.getByText(/Paused: [1-9]\d* new events? not shown/).waitFor();
    assert.equal(await orders.getByRole('link', { name: `order_placed · order ${held.id}` }).count(), 0);
    await page.getByRole('button', { name: 'Resume' }).click();
    await orders.getByRole('link', { name: `order_placed · order ${held.id}` }).waitFor();

    // A module filter shows only that module's section.
    await page.getByLabel('Module').selectOption('payments');
    await page.getByRole('region', { name: /^payments/ }).waitFor();
    assert.equal(await page.getByRole('region', { name: /^orders/ }).count(), 0);
    await page.getByLabel('Module').selectOption('');

    // An order event leads to the order's timeline: a lane for every module that took part.
    await eventually(async () =>
      (await call(mart.base, 'GET', `/orders/${order.id}`, { token })).status === 'confirmed');
    await orders.getByRole('link', { name: `order_placed · order ${order.id}` }).click();
    await page.waitForURL(`**/admin/timeline/${order.id}`);
    const swimlane = page.getByRole('img', { name: new RegExp(`^Swimlane of order ${order.id}:`) });
    await eventually(async () => {
      const name = (await swimlane.count()) ? await swimlane.getAttribute('aria-label') : '';
      return ['orders', 'inventory', 'payments', 'notifications'].every((m) => name.includes(m));
    }, 5000, 'a lane for orders, inventory, payments and notifications');
    const table = page.getByRole('table', { name: /The events/ });
    for (const type of ['orders.order_placed.v2', 'inventory.stock_reserved.v1',
      'payments.payment_succeeded.v1', 'orders.order_confirmed.v1']) {
      await table.getByRole('row', { name: new RegExp(type.replaceAll('.', '\\.')) }).first().waitFor();
    }
    await table.getByText('inventory.on_order_placed').first().waitFor();

    // The search box finds another order's timeline.
    await page.getByLabel('Order id').fill(String(held.id));
    await page.getByRole('button', { name: 'Show timeline' }).click();
    await page.waitForURL(`**/admin/timeline/${held.id}`);
    await page.getByRole('img', { name: new RegExp(`^Swimlane of order ${held.id}:`) }).waitFor();
    noTroubles(troubles);
    await context.close();
  });
});

// A webhook receiver that refuses (500) until told to accept; counts what it got.
async function startReceiver() {
  const receiver = { accept: false, received: 0, refused: 0 };
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      if (receiver.accept) receiver.received += 1;
      else receiver.refused += 1;
      response.writeHead(receiver.accept ? 204 : 500).end();
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${server.address().port}/hook`;
  receiver.close = () => new Promise((resolve) => server.close(resolve));
  return receiver;
}

describe('dead letters', () => {
  let mart;
  let receiver;
  let adminToken;

  before(async () => {
    receiver = await startReceiver();
    mart = await startMart({ args: ['--notifications-channel', 'webhook',
      '--notifications-webhook-url', receiver.url, '--notifications-webhook-secret', 'a-secret-of-at-least-32-bytes-long',
      '--notifications-webhook-retry-for-s', '1', '--notifications-webhook-retry-max-backoff-s', '1'] });
    adminToken = await tokenFor(mart.base, admin);
  });

  after(async () => {
    await mart?.stop();
    await receiver?.close();
  });

  test('a refused webhook makes dead letters: one discarded with a reason, one replayed and delivered, both audited', async () => {
    const productId = (await stockedProduct(mart.base, adminToken, { name: 'Hook Tea' }, 50)).id;
    // Two customers, so two keys: each one's notifications wait behind its own dead letter.
    const one = await placeOrder(mart.base, await customerToken(mart.base, 'Dee'), productId);
    const two = await placeOrder(mart.base, await customerToken(mart.base, 'Dan'), productId);
    const dead = await eventually(async () => {
      const list = await call(mart.base, 'GET', '/admin/dead-letters?status=dead', { token: adminToken });
      const hooks = list.items.filter((d) => d.subscriber === 'notifications.deliver');
      return new Set(hooks.map((d) => d.event.key)).size >= 2 && hooks;
    }, 15000, 'dead letters of both customers');
    const byOrder = (id) => dead.find((d) => d.event.data.order_id === id);
    const [toDiscard, toReplay] = [byOrder(two.id) || dead[1], byOrder(one.id) || dead[0]];

    const { page, troubles, context } = await openPage(browser, mart.base);
    // The order's timeline shows where its notification became a dead letter.
    await signIn(page, `/admin/timeline/${one.id}`, admin);
    const waiting = page.getByRole('table', { name: /The events/ }).getByRole('row')
      .filter({ hasText: 'notifications.deliver' }).filter({ hasText: 'dead letter' });
    await waiting.first().waitFor();
    assert.ok(await page.locator('svg.swimlane .mark.dead').count() >= 1, 'a dead-letter mark in the swimlane');
    await page.goto('/admin/dead-letters?status=dead');
    const card = (id) => page.getByRole('listitem').filter({ has: page.getByRole('heading', { name: new RegExp(`^Dead letter ${id}:`) }) });

    // The full attempt history, with the receiver's refusal.
    await card(toReplay.id).getByText(/Attempt history \([1-9]/).click();
    const attempts = card(toReplay.id).getByRole('table', { name: `Attempts of dead letter ${toReplay.id}` });
    assert.ok(await attempts.getByRole('row').count() >= 3, 'a header and at least two attempts');
    await attempts.getByText(/500/).first().waitFor();

    // Discard: a reason is required, then it is gone for good.
    await card(toDiscard.id).getByRole('button', { name: `Discard dead letter ${toDiscard.id}…` }).click();
    await card(toDiscard.id).getByRole('button', { name: 'Discard', exact: true }).click();
    await card(toDiscard.id).locator('.field.invalid .error').waitFor();
    await card(toDiscard.id).getByLabel(`Reason for discarding dead letter ${toDiscard.id}`).fill('Customer asked for no e-mail');
    await card(toDiscard.id).getByRole('button', { name: 'Discard', exact: true }).click();
    await card(toDiscard.id).getByText('Discarded: it will not be delivered').waitFor();

    // Replay once the receiver accepts: delivered.
    receiver.accept = true;
    await card(toReplay.id).getByRole('button', { name: `Replay dead letter ${toReplay.id}` }).click();
    await card(toReplay.id).getByText('Replayed: delivered.').waitFor();
    await eventually(() => receiver.received > 0, 5000, 'the receiver got the replayed notification');
    const left = await call(mart.base, 'GET', '/admin/dead-letters?status=dead', { token: adminToken });
    assert.ok(!left.items.some((d) => d.id === toReplay.id || d.id === toDiscard.id), 'neither is dead any more');

    // The audit list: who did what, newest first.
    await page.getByRole('link', { name: 'Audit list of replays and discards' }).click();
    const rows = page.getByRole('table', { name: 'Replays and discards' }).getByRole('row');
    const replayed = rows.filter({ hasText: String(toReplay.id) }).filter({ hasText: 'replay' });
    await replayed.getByText(admin.email).waitFor();
    await replayed.getByText('delivered').waitFor();
    const discarded = rows.filter({ hasText: 'Customer asked for no e-mail' });
    await discarded.getByText(admin.email).waitFor();
    await discarded.getByText('discard', { exact: true }).waitFor();
    noTroubles(troubles);
    await context.close();
  });
});
