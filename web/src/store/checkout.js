// Checkout: the cart becomes an order (POST /api/v1/orders) paid with a card token.
import { useRef } from 'preact/hooks';
import { post } from '../lib/api.js';
import { html } from '../lib/html.js';
import { navigate } from '../lib/router.js';
import { useUser } from '../lib/session.js';
import { useStored } from '../lib/store.js';
import { Field, Problem, useForm, useTitle } from '../lib/ui.js';
import { Totals } from './cart_page.js';
import { cart, clearCart } from './cart_store.js';

const demoTokens = [
  ['tok_visa', 'approved'],
  ['tok_decline', 'declined: the order ends cancelled'],
  ['tok_outage_10s', 'the payment provider is down for 10 s, then approves'],
];

export function CheckoutPage() {
  const user = useUser();
  const lines = useStored(cart);
  useTitle('Checkout');
  // One key per order attempt: a retried or double-clicked submit places the order once.
  const attempt = useRef({ key: crypto.randomUUID(), body: '' });
  const form = useForm({ payment_token: 'tok_visa' }, async (values) => {
    const body = {
      items: lines.map(({ product_id, quantity }) => ({ product_id, quantity })),
      payment_token: values.payment_token.trim(),
      ...(user.address ? { shipping_address: user.address } : {}),
    };
    const text = JSON.stringify(body);
    if (text !== attempt.current.body) attempt.current = { key: crypto.randomUUID(), body: text };
    const order = await post('/orders', body, { 'Idempotency-Key': attempt.current.key });
    clearCart();
    navigate(`/orders/${order.id}`);
  });
  if (!user) {
    return html`<section><h1>Checkout</h1>
      <p><a href="/signin?next=/checkout">Sign in</a> or <a href="/signup?next=/checkout">create an
      account</a> to place your order. Your cart is kept.</p></section>`;
  }
  if (!lines.length) {
    return html`<section><h1>Checkout</h1><p>Your cart is empty. <a href="/">Browse the catalogue</a>.</p></section>`;
  }
  const items = form.errors.items;
  return html`<section>
    <h1>Checkout</h1>
    <ul class="summary">
      ${lines.map((l) => html`<li key=${l.product_id}>${l.quantity} × ${l.name}</li>`)}
    </ul>
    <${Totals} lines=${lines} />
    ${user.address
      ? html`<p>Ships to: <span class="address">${user.address}</span> (<a href="/account">change</a>)</p>`
      : html`<p>No delivery address yet: <a href="/account">add one to your profile</a>.</p>`}
    <form class="card" onSubmit=${form.onSubmit} novalidate>
      <${Problem} error=${form.problem} />
      ${items && html`<p class="error">${items}</p>`}
      <${Field} label="Payment token" required autocomplete="off" spellcheck="false"
        error=${form.errors.payment_token} ...${form.bind('payment_token')}
        hint="This demo shop takes card tokens, not card numbers." />
      <div class="demo-tokens">
        <p id="demo-tokens-label">Demo tokens:</p>
        <ul aria-labelledby="demo-tokens-label">
          ${demoTokens.map(([token, meaning]) => html`<li key=${token}>
            <button type="button" class="link"
              onClick=${() => form.setValues((v) => ({ ...v, payment_token: token }))}>
              <code>${token}</code></button> — ${meaning}</li>`)}
        </ul>
        <p class="hint">Any token starting with <code>tok_decline</code> is declined;
          <code>tok_outage_Ns</code> makes the provider unreachable for N seconds; any other token
          is approved.</p>
      </div>
      <button type="submit" class="primary" disabled=${form.busy}>
        ${form.busy ? 'Placing your order…' : 'Place order'}
      </button>
    </form>
  </section>`;
}
