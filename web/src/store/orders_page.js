// "My orders": newest first, filtered by status, paged.
import { get, withQuery } from '../lib/api.js';
import { html } from '../lib/html.js';
import { formatMoney, formatTime } from '../lib/money.js';
import { navigate, useLocation } from '../lib/router.js';
import { Empty, Loading, Pager, Problem, Status, StatusFilter, usePages, useTitle } from '../lib/ui.js';

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
          <th scope="col">Total</th></tr></thead>
        <tbody>${pages.items.map((o) => html`<tr key=${o.id}>
          <td><a href=${`/orders/${o.id}`}>Order ${o.id}</a></td><td data-label="Placed">${formatTime(o.created_at)}</td>
          <td data-label="Status"><${Status} status=${o.status} /></td><td data-label="Total">${formatMoney(o.total_cents, o.currency)}</td>
        </tr>`)}</tbody>
      </table>`}
    </div>
    <${Pager} pages=${pages} label="Order pages" />
  </section>`;
}
