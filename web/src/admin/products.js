// Products: the list, a form to create or edit one (errors at the field the API names), delete.
import { useState } from 'preact/hooks';
import { del, get, patch, post, withQuery } from '../lib/api.js';
import { html } from '../lib/html.js';
import { formatMoney } from '../lib/money.js';
import { navigate } from '../lib/router.js';
import {
  Empty, Field, Loading, Notice, Pager, Problem, useAction, useForm, useLoad, usePages, useTitle,
} from '../lib/ui.js';

export function ProductList() {
  useTitle('Products');
  const [q, setQ] = useState('');
  const [search, setSearch] = useState('');
  const pages = usePages((cursor) => get(withQuery('/products', { q: search, limit: 20, cursor })), [search]);
  return html`<section>
    <div class="heading"><h1>Products</h1>
      <a class="button primary" href="/admin/products/new">New product</a></div>
    <form class="search" role="search" onSubmit=${(e) => { e.preventDefault(); setSearch(q.trim()); }}>
      <label for="admin-q" class="visually-hidden">Search products</label>
      <input id="admin-q" type="search" placeholder="Search products" value=${q}
        onInput=${(e) => setQ(e.currentTarget.value)} />
      <button type="submit">Search</button>
    </form>
    <${Problem} error=${pages.error} />
    <div class="list-area">
      ${pages.loading && !pages.data && html`<${Loading} />`}
      ${pages.data && !pages.items.length && html`<${Empty}>No products.</${Empty}>`}
      ${pages.items.length > 0 && html`<table>
        <caption class="visually-hidden">Products</caption>
        <thead><tr><th scope="col">Id</th><th scope="col">Name</th><th scope="col">SKU</th>
          <th scope="col">Price</th><th scope="col">In stock</th></tr></thead>
        <tbody>${pages.items.map((p) => html`<tr key=${p.id}><td data-label="Id">${p.id}</td>
          <td data-label="Name"><a href=${`/admin/products/${p.id}`}>${p.name}</a></td><td data-label="SKU">${p.sku || '—'}</td>
          <td data-label="Price">${formatMoney(p.price_cents, p.currency)}</td><td data-label="In stock">${p.in_stock ? 'yes' : 'no'}</td></tr>`)}
        </tbody></table>`}
    </div>
    <${Pager} pages=${pages} label="Product pages" />
  </section>`;
}

// "12.50" -> 1250; anything else is left for the API to refuse at its field.
function toCents(text) {
  const match = /^\s*(-?)(\d+)(?:[.,](\d{1,2}))?\s*$/.exec(text);
  if (!match) return text;
  const cents = Number(match[2]) * 100 + Number((match[3] || '0').padEnd(2, '0'));
  return match[1] ? -cents : cents;
}

function ProductForm({ product }) {
  const [deleting, setDeleting] = useState(false);
  const removal = useAction();
  const form = useForm(
    product
      ? { name: product.name, description: product.description, sku: product.sku || '',
          currency: product.currency, price: (product.price_cents / 100).toFixed(2), saved: false }
      : { name: '', description: '', sku: '', currency: 'USD', price: '', saved: false },
    async (values, setValues) => {
      const body = { name: values.name, description: values.description,
        currency: values.currency.trim().toUpperCase(), price_cents: toCents(values.price) };
      if (values.sku.trim()) body.sku = values.sku.trim();  // optional: none is no SKU
      if (product) {
        await patch(`/products/${product.id}`, body);
        setValues((v) => ({ ...v, saved: true }));
      } else {
        const created = await post('/products', body);
        navigate(`/admin/products/${created.id}`, { replace: true });
      }
    });
  const remove = () => removal.run(async () => {
    await del(`/products/${product.id}`);
    navigate('/admin/products');
  });
  const e = form.errors;
  return html`<form class="card" onSubmit=${form.onSubmit} novalidate>
    <${Problem} error=${form.problem || removal.problem} />
    <${Field} label="Name" required error=${e.name} ...${form.bind('name')} />
    <${Field} as="textarea" label="Description" rows="4" error=${e.description} ...${form.bind('description')} />
    <div class="row">
      <${Field} label="Price" inputmode="decimal" hint="In units of the currency, e.g. 12.50"
        error=${e.price_cents} ...${form.bind('price')} />
      <${Field} label="Currency" maxlength="3" error=${e.currency} ...${form.bind('currency')} />
      <${Field} label="SKU" error=${e.sku} ...${form.bind('sku')} />
    </div>
    <div class="actions">
      <button type="submit" class="primary" disabled=${form.busy}>${product ? 'Save changes' : 'Create product'}</button>
      ${product && !deleting && html`<button type="button" class="danger" onClick=${() => setDeleting(true)}>Delete…</button>`}
      ${product && deleting && html`<span role="group" aria-label="Confirm deletion">Delete “${product.name}”? Later orders for it are refused.
        <button type="button" class="danger" onClick=${remove}>Yes, delete</button>
        <button type="button" onClick=${() => setDeleting(false)}>Keep it</button></span>`}
    </div>
    ${form.values.saved && !form.busy && html`<${Notice}>Saved.</${Notice}>`}
  </form>`;
}

export function ProductEditor({ id }) {
  const page = useLoad(() => (id ? get(`/products/${id}`) : Promise.resolve(null)), [id]);
  useTitle(id ? `Product ${id}` : 'New product');
  if (page.error) return html`<${Problem} error=${page.error} />`;
  if (page.loading) return html`<${Loading} />`;
  return html`<section>
    <p><a href="/admin/products">← Products</a></p>
    <h1>${id ? `Edit product ${id}` : 'New product'}</h1>
    <${ProductForm} key=${id || 'new'} product=${page.data} />
    ${id && html`<p><a href=${`/admin/stock?product=${id}`}>Stock of this product</a></p>`}
  </section>`;
}
