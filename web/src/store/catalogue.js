// The catalogue at "/": full-text search (?q=), cursor paging, price and stock state.
import { useEffect, useLayoutEffect, useState } from 'preact/hooks';
import { get, withQuery } from '../lib/api.js';
import { html } from '../lib/html.js';
import { formatMoney } from '../lib/money.js';
import { navigate, useLocation } from '../lib/router.js';
import { Empty, Loading, Pager, Problem, usePages, useTitle } from '../lib/ui.js';
import { addToCart } from './cart_store.js';

const pageSize = 12;
const firstPage = (q) => get(withQuery('/products', { q, limit: pageSize }));

// The products are what a visitor to "/" waits for: they are asked for while the app is still
// starting, not once it has rendered, and the catalogue takes that answer for its first page.
const startQuery = new URLSearchParams(window.location.search).get('q') || '';
let early = window.location.pathname === '/' ? { q: startQuery, answer: firstPage(startQuery) } : null;
early?.answer.catch(() => {});  // a failure is reported when (and if) the catalogue takes it

function productsPage(q, cursor) {
  if (cursor === null && early && early.q === q) {
    const { answer } = early;
    early = null;
    return answer;
  }
  return cursor === null ? firstPage(q) : get(withQuery('/products', { q, limit: pageSize, cursor }));
}

export function StockBadge({ inStock }) {
  return inStock
    ? html`<span class="stock in">In stock</span>`
    : html`<span class="stock out">Out of stock</span>`;
}

function ProductCard({ product }) {
  const [added, setAdded] = useState(false);
  const add = () => {
    addToCart(product);
    setAdded(true);
    setTimeout(() => setAdded(false), 1500);
  };
  return html`<li class="product-card">
    <h2><a href=${`/products/${product.id}`}>${product.name}</a></h2>
    <p class="description">${product.description}</p>
    <p class="price">${formatMoney(product.price_cents, product.currency)}</p>
    <${StockBadge} inStock=${product.in_stock} />
    <button type="button" onClick=${add} disabled=${!product.in_stock}
      aria-label=${`Add ${product.name} to the cart`}>
      ${added ? 'Added ✓' : 'Add to cart'}
    </button>
  </li>`;
}

export function Catalogue() {
  const { query } = useLocation();
  const q = query.get('q') || '';
  const [text, setText] = useState(q);
  useEffect(() => setText(q), [q]);
  useTitle(q ? `Search: ${q}` : 'Catalogue');
  const pages = usePages((cursor) => productsPage(q, cursor), [q]);
  useLayoutEffect(() => {
    // The first moment the catalogue is usable (in the DOM), for the browser test's budget
    // (docs/benchmarks.md).
    if (pages.data && !performance.getEntriesByName('mart:catalogue-shown').length) {
      performance.mark('mart:catalogue-shown');
    }
  }, [pages.data]);
  const search = (event) => {
    event.preventDefault();
    navigate(withQuery('/', { q: text.trim() }));
  };
  return html`<section>
    <form class="search" role="search" onSubmit=${search}>
      <label for="search-q" class="visually-hidden">Search the catalogue</label>
      <input id="search-q" type="search" placeholder="Search products" value=${text}
        onInput=${(e) => setText(e.currentTarget.value)} />
      <button type="submit">Search</button>
    </form>
    <h1>${q ? html`Results for “${q}”` : 'Catalogue'}</h1>
    <${Problem} error=${pages.error} />
    <div class="list-area" aria-busy=${pages.loading ? 'true' : 'false'}>
      ${pages.loading && !pages.data && html`<${Loading} />`}
      ${pages.data && !pages.items.length &&
        html`<${Empty}>${q ? 'No product matches your search.' : 'No products yet.'}</${Empty}>`}
      <ul class="product-grid">
        ${pages.items.map((p) => html`<${ProductCard} key=${p.id} product=${p} />`)}
      </ul>
    </div>
    <${Pager} pages=${pages} label="Catalogue pages" />
  </section>`;
}
