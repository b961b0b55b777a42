// One product, with its stock from the Inventory module.
import { useState } from 'preact/hooks';
import { get } from '../lib/api.js';
import { html } from '../lib/html.js';
import { formatMoney } from '../lib/money.js';
import { Loading, Problem, useLoad, useTitle } from '../lib/ui.js';
import { addToCart } from './cart_store.js';
import { StockBadge } from './catalogue.js';

async function loadProduct(id) {
  const product = await get(`/products/${id}`);
  const stock = await get(`/inventory/${id}`).catch(() => null);
  return { product, stock };
}

export function ProductPage({ id }) {
  const page = useLoad(() => loadProduct(id), [id]);
  const [quantity, setQuantity] = useState(1);
  const [added, setAdded] = useState(false);
  useTitle(page.data ? page.data.product.name : 'Product');
  if (page.error) return html`<${Problem} error=${page.error} />`;
  if (!page.data) return html`<${Loading} />`;
  const { product, stock } = page.data;
  const add = (event) => {
    event.preventDefault();
    addToCart(product, quantity);
    setAdded(true);
  };
  return html`<article class="product-page card">
    <h1>${product.name}</h1>
    <p class="price">${formatMoney(product.price_cents, product.currency)}</p>
    <p><${StockBadge} inStock=${product.in_stock} />
      ${stock && html` <span class="muted">${stock.available} available</span>`}</p>
    <p class="description long">${product.description}</p>
    ${product.sku && html`<p class="muted">SKU ${product.sku}</p>`}
    <form class="inline" onSubmit=${add}>
      <label for="quantity">Quantity</label>
      <input id="quantity" type="number" min="1" max="999" value=${quantity}
        onInput=${(e) => setQuantity(Math.max(1, Number(e.currentTarget.value) || 1))} />
      <button type="submit" class="primary" disabled=${!product.in_stock}>Add to cart</button>
    </form>
    ${added && html`<p role="status">Added to your <a href="/cart">cart</a>.</p>`}
  </article>`;
}
