// "My orders": newest first, filtered by status, paged.
import { useState } from 'preact/hooks';
import { get, withQuery } from '../lib/api.js';
import { CancelOrder } from '../lib/cancel_order.js';
import { html } from '../lib/html.js';
import { formatMoney, formatTime } from '../lib/money.js';
import { navigate, useLocation } from '../lib/router.js';
import { Empty, Loading, Pager, Problem, Status, StatusFilter, usePages, useTitle } from '../lib/ui.js';

function OrderRow({ order: initial }) {
  const [order, setOrder] = useState(initial);
  return html`<tr>
    <td><a href=${`/orders/${order.id}`}>Order ${order.id}</a></td>
    <td data-label="Placed">${formatTime(order.created_at)}</td>
    <td data-label="Status"><${Status} status=${order.status} /></td>
    <td data-label="Total">${formatMoney(order.total_cents, order.currency)}</td>
    <td><${CancelOrder} order=${order} onCancelled=${setOrder} /></td>
  </tr>`;
}

export function OrdersPage() {
  const { query } = useLocation();
  const status = query.get('status') || '';
  useTitle('My orders');
  const pages = usePages((cursor) => get(withQuery('/orders', { status, limit: 10, cursor })), [status]);
  return html`<section>
    <h1>My orders</h1>
    <${StatusFilter} status=${status}
      onChange=${(s) => navigate(withQuery('/orders', { status: s }), { replace: true })} />
    <${Problem} error=${pages.error} />
    <div class="list-area">
      ${pages.loading && !pages.data && html`<${Loading} />`}
      ${pages.data && !pages.items.length && html`<${Empty}>No orders${status ? ` with status ${status}` : ''} yet.</${Empty}>`}
      ${pages.items.length > 0 && html`<table class="orders">
        <caption class="visually-hidden">Your orders</caption>
        <thead><tr><th scope="col">Order</th><th scope="col">Placed</th><th scope="col">Status</th>
          <th scope="col">Total</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
        <tbody>${pages.items.map((o) => html`<${OrderRow} key=${o.id} order=${o} />`)}</tbody>
      </table>`}
    </div>
    <${Pager} pages=${pages} label="Order pages" />
  </section>`;
}
