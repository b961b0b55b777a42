// The cart: quantities, removal, totals, and the way to checkout.
import { html } from '../lib/html.js';
import { formatMoney } from '../lib/money.js';
import { Empty, useTitle } from '../lib/ui.js';
import { useStored } from '../lib/store.js';
import { cart, removeFromCart, setQuantity, totals } from './cart_store.js';

export function Totals({ lines }) {
  return Object.entries(totals(lines)).map(
    ([currency, cents]) =>
      html`<p class="total" key=${currency}>Total <strong>${formatMoney(cents, currency)}</strong></p>`,
  );
}

export function CartPage() {
  const lines = useStored(cart);
  useTitle('Cart');
  if (!lines.length) {
    return html`<section><h1>Your cart</h1>
      <${Empty}>Your cart is empty. <a href="/">Browse the catalogue</a>.</${Empty}></section>`;
  }
  return html`<section>
    <h1>Your cart</h1>
    <table class="lines">
      <caption class="visually-hidden">Products in your cart</caption>
      <thead><tr><th scope="col">Product</th><th scope="col">Price</th>
        <th scope="col">Quantity</th><th scope="col">Subtotal</th><th scope="col"><span class="visually-hidden">Remove</span></th></tr></thead>
      <tbody>
        ${lines.map((line) => html`<tr key=${line.product_id}>
          <td><a href=${`/products/${line.product_id}`}>${line.name}</a></td>
          <td data-label="Price">${formatMoney(line.price_cents, line.currency)}</td>
          <td data-label="Quantity"><input type="number" min="1" max="999" value=${line.quantity}
            aria-label=${`Quantity of ${line.name}`}
            onChange=${(e) => setQuantity(line.product_id, Math.max(1, Number(e.currentTarget.value) || 1))} /></td>
          <td data-label="Subtotal">${formatMoney(line.price_cents * line.quantity, line.currency)}</td>
          <td><button type="button" class="link" onClick=${() => removeFromCart(line.product_id)}
            aria-label=${`Remove ${line.name}`}>Remove</button></td>
        </tr>`)}
      </tbody>
    </table>
    <${Totals} lines=${lines} />
    <p class="actions"><a class="button primary" href="/checkout">Checkout</a></p>
  </section>`;
}
