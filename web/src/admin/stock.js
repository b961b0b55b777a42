// Stock: the levels of each product (Inventory), and adjustments with a reason.
import { useState } from 'preact/hooks';
import { ApiError, get, post, withQuery } from '../lib/api.js';
import { html } from '../lib/html.js';
import { useLocation } from '../lib/router.js';
import { Empty, Loading, Pager, Problem, useAction, usePages, useTitle } from '../lib/ui.js';

async function withLevels(page) {
  const levels = await Promise.all(
    page.items.map((p) => get(`/inventory/${p.id}`).catch(() => null)),
  );
  return { ...page, items: page.items.map((product, i) => ({ product, level: levels[i] })) };
}

async function loadPage(only, cursor) {
  if (only) {
    const product = await get(`/products/${only}`);
    return withLevels({ items: [product], next_cursor: null });
  }
  return withLevels(await get(withQuery('/products', { limit: 20, cursor })));
}

function Adjust({ product, level, onChanged }) {
  const [delta, setDelta] = useState('');
  const [reason, setReason] = useState('restock');
  const action = useAction();
  const submit = (event) => {
    event.preventDefault();
    action.run(async () => {
      try {
        onChanged(await post(`/inventory/${product.id}/adjustments`, { delta: Number(delta), reason }));
        setDelta('');
      } catch (error) {
        // 409: the adjustment would take the available stock below zero.
        if (!(error instanceof ApiError && error.status === 409)) throw error;
        throw new Error(`Refused: stock cannot go below zero. ${level.available} available now, so
          the largest removal is −${level.available}. (${error.message})`);
      }
    });
  };
  const name = product.name;
  return html`<form class="adjust" onSubmit=${submit} novalidate>
    <label class="visually-hidden" for=${`delta-${product.id}`}>Change in stock of ${name}</label>
    <input id=${`delta-${product.id}`} type="number" step="1" placeholder="±10" required
      value=${delta} onInput=${(e) => setDelta(e.currentTarget.value)} />
    <label class="visually-hidden" for=${`reason-${product.id}`}>Reason for the change of ${name}</label>
    <input id=${`reason-${product.id}`} value=${reason} placeholder="reason"
      onInput=${(e) => setReason(e.currentTarget.value)} />
    <button type="submit" disabled=${action.busy || !/^-?\d+$/.test(delta.trim())}>Adjust</button>
    <${Problem} error=${action.problem} />
  </form>`;
}

function Row({ product, level: initial }) {
  const [level, setLevel] = useState(initial);
  return html`<tr>
    <td><a href=${`/admin/products/${product.id}`}>${product.name}</a></td>
    ${level
      ? html`<td data-label="Available">${level.available}</td><td data-label="Reserved">${level.reserved}</td><td data-label="Sold">${level.sold}</td>
        <td><${Adjust} product=${product} level=${level} onChanged=${setLevel} /></td>`
      : html`<td colspan="4" class="muted">Not known to the inventory yet.</td>`}
  </tr>`;
}

export function StockPage() {
  const { query } = useLocation();
  const only = query.get('product');
  useTitle('Stock');
  const pages = usePages((cursor) => loadPage(only, cursor), [only]);
  return html`<section>
    <h1>Stock</h1>
    ${only && html`<p><a href="/admin/stock">All products</a></p>`}
    <p class="muted">Available stock can be sold; reserved is held by orders being paid; sold has
      shipped or been paid for. An adjustment adds to (or, negative, removes from) the available stock.</p>
    <${Problem} error=${pages.error} />
    <div class="list-area">
      ${pages.loading && !pages.data && html`<${Loading} />`}
      ${pages.data && !pages.items.length && html`<${Empty}>No products.</${Empty}>`}
      ${pages.items.length > 0 && html`<table class="stock-levels">
        <caption class="visually-hidden">Stock levels</caption>
        <thead><tr><th scope="col">Product</th><th scope="col">Available</th><th scope="col">Reserved</th>
          <th scope="col">Sold</th><th scope="col">Adjust (amount, reason)</th></tr></thead>
        <tbody>${pages.items.map(({ product, level }) =>
          html`<${Row} key=${product.id} product=${product} level=${level} />`)}</tbody>
      </table>`}
    </div>
    <${Pager} pages=${pages} label="Stock pages" />
  </section>`;
}
