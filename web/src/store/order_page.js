// One order: its status, moving live (polled) until it settles, and its timeline across modules.
import { get } from '../lib/api.js';
import { CancelOrder } from '../lib/cancel_order.js';
import { html } from '../lib/html.js';
import { formatClock, formatMoney, formatTime } from '../lib/money.js';
import { Loading, Problem, Status, cancelReasons, useInterval, useLoad, useTitle } from '../lib/ui.js';

const steps = ['pending', 'reserved', 'confirmed', 'shipped'];
const settled = (status) => status === 'cancelled' || status === 'shipped';

// Product names for the order's lines (an order keeps ids and prices, not names); a deleted
// product keeps its id.
const names = new Map();
async function productNames(items) {
  await Promise.all(items.filter((i) => !names.has(i.product_id)).map(async (i) => {
    const product = await get(`/products/${i.product_id}`).catch(() => null);
    names.set(i.product_id, product ? product.name : `Product ${i.product_id}`);
  }));
}

async function loadOrder(id) {
  const [order, timeline] = await Promise.all([get(`/orders/${id}`), get(`/orders/${id}/events`)]);
  await productNames(order.items);
  return { order, timeline };
}

function Progress({ status }) {
  if (status === 'cancelled') return null;
  const at = steps.indexOf(status);
  return html`<ol class="progress" aria-label="Order progress">
    ${steps.map((step, i) => html`<li key=${step} class=${i <= at ? 'done' : ''}
      aria-current=${i === at ? 'step' : undefined}>${step}</li>`)}
  </ol>`;
}

export function Timeline({ timeline }) {
  if (!timeline.events.length) return html`<p class="muted">No events yet.</p>`;
  return html`<table class="timeline">
    <caption>What happened, across the modules</caption>
    <thead><tr><th scope="col">Time</th><th scope="col">Event</th><th scope="col">From</th>
      <th scope="col">Handled by</th></tr></thead>
    <tbody>${timeline.events.map((e) => html`<tr key=${e.id}>
      <td data-label="Time">${formatClock(e.time)}</td><td data-label="Event"><code>${e.type}</code></td><td data-label="From">${e.source}</td>
      <td data-label="Handled by">${e.handled_by.map((h) => h.subscriber).join(', ') || '—'}</td></tr>`)}
    </tbody>
  </table>`;
}

export function OrderPage({ id }) {
  const page = useLoad(() => loadOrder(id), [id]);
  useTitle(`Order ${id}`);
  const status = page.data && page.data.order.status;
  // Fast while the flow is moving, slowly once it waits for a person (shipping), never after.
  const moving = status === 'pending' || status === 'reserved';
  useInterval(page.reload, moving ? 400 : 5000, Boolean(status) && !settled(status));
  if (page.error && !page.data) return html`<${Problem} error=${page.error} />`;
  if (!page.data) return html`<${Loading} />`;
  const { order, timeline } = page.data;
  return html`<section>
    <h1>Order ${order.id}</h1>
    <p class="order-status" aria-live="polite">Status: <${Status} status=${order.status} />
      ${order.status === 'cancelled' &&
        html` <span class="reason">${cancelReasons[order.cancel_reason] || order.cancel_reason}</span>`}
      ${moving && html` <span class="muted">(updating live)</span>`}</p>
    <${Progress} status=${order.status} />
    <${Problem} error=${page.error} />
    <table class="lines">
      <caption class="visually-hidden">Items</caption>
      <thead><tr><th scope="col">Product</th><th scope="col">Quantity</th><th scope="col">Unit price</th></tr></thead>
      <tbody>${order.items.map((item) => html`<tr key=${item.product_id}>
        <td><a href=${`/products/${item.product_id}`}>${names.get(item.product_id)}</a></td>
        <td data-label="Quantity">${item.quantity}</td><td data-label="Unit price">${formatMoney(item.unit_price_cents, order.currency)}</td></tr>`)}
      </tbody>
    </table>
    <p class="total">Total <strong>${formatMoney(order.total_cents, order.currency)}</strong></p>
    ${order.shipping_address && html`<p>Ships to: <span class="address">${order.shipping_address}</span></p>`}
    <p class="muted">Placed ${formatTime(order.created_at)}</p>
    <p><${CancelOrder} order=${order} onCancelled=${page.reload} text="Cancel this order" label="Cancel this order" /></p>
    <${Timeline} timeline=${timeline} />
  </section>`;
}
