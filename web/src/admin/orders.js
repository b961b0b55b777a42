// All orders: filter by status, ship, cancel, and refund a payment.
import { useState } from 'preact/hooks';
import { get, post, withQuery } from '../lib/api.js';
import { CancelOrder } from '../lib/cancel_order.js';
import { html } from '../lib/html.js';
import { formatMoney, formatTime } from '../lib/money.js';
import { navigate, useLocation } from '../lib/router.js';
import {
  Empty, Loading, Pager, Problem, Status, StatusFilter, cancelReasons, useAction, usePages, useTitle,
} from '../lib/ui.js';

function Payments({ order }) {
  const [payments, setPayments] = useState(null);
  const action = useAction();
  const load = () => action.run(async () =>
    setPayments((await get(withQuery('/payments', { order_id: order.id, limit: 100 }))).items));
  const refund = (payment) => action.run(async () => {
    const refunded = await post(`/payments/${payment.id}/refund`);
    setPayments((list) => list.map((p) => (p.id === refunded.id ? refunded : p)));
  });
  if (!payments) {
    return html`<button type="button" onClick=${load} disabled=${action.busy}>Payments…</button>
      <${Problem} error=${action.problem} />`;
  }
  return html`<div class="payments">
    ${!payments.length && html`<span class="muted">No payment.</span>`}
    ${payments.map((p) => html`<div key=${p.id}>Payment ${p.id}: ${formatMoney(p.amount_cents, p.currency)}
      <${Status} status=${p.status} />
      ${p.status === 'succeeded' && html` <button type="button" onClick=${() => refund(p)} disabled=${action.busy}
        aria-label=${`Refund payment ${p.id}`}>Refund</button>`}</div>`)}
    <${Problem} error=${action.problem} />
  </div>`;
}

function OrderRow({ order: initial }) {
  const [order, setOrder] = useState(initial);
  const action = useAction();
  const ship = () => action.run(async () => setOrder(await post(`/orders/${order.id}/ship`)));
  return html`<tr>
    <td data-label="Order">${order.id}</td><td data-label="User">${order.user_id}</td><td data-label="Placed">${formatTime(order.created_at)}</td>
    <td data-label="Status"><${Status} status=${order.status} />${order.status === 'cancelled' &&
      html`<br /><span class="muted">${cancelReasons[order.cancel_reason] || order.cancel_reason}</span>`}</td>
    <td data-label="Total" class="nowrap">${formatMoney(order.total_cents, order.currency)}</td>
    <td data-label="Ships to"><span class="address">${order.shipping_address || '—'}</span></td>
    <td><div class="actions">
      ${order.status === 'confirmed' && html`<button type="button" disabled=${action.busy}
        onClick=${ship} aria-label=${`Ship order ${order.id}`}>Ship</button>`}
      <${CancelOrder} order=${order} onCancelled=${setOrder} />
      <${Payments} order=${order} />
      <${Problem} error=${action.problem} />
    </div></td>
  </tr>`;
}

export function AdminOrders() {
  const { query } = useLocation();
  const status = query.get('status') || '';
  useTitle('Orders');
  const pages = usePages((cursor) => get(withQuery('/orders', { status, limit: 20, cursor })), [status]);
  return html`<section>
    <h1>Orders</h1>
    <${StatusFilter} status=${status}
      onChange=${(s) => navigate(withQuery('/admin/orders', { status: s }), { replace: true })} />
    <${Problem} error=${pages.error} />
    <div class="list-area">
      ${pages.loading && !pages.data && html`<${Loading} />`}
      ${pages.data && !pages.items.length && html`<${Empty}>No orders.</${Empty}>`}
      ${pages.items.length > 0 && html`<table class="orders">
        <caption class="visually-hidden">Orders</caption>
        <thead><tr><th scope="col">Order</th><th scope="col">User</th><th scope="col">Placed</th>
          <th scope="col">Status</th><th scope="col">Total</th><th scope="col">Ships to</th><th scope="col">Actions</th></tr></thead>
        <tbody>${pages.items.map((o) => html`<${OrderRow} key=${o.id} order=${o} />`)}</tbody>
      </table>`}
    </div>
    <${Pager} pages=${pages} label="Order pages" />
  </section>`;
}
