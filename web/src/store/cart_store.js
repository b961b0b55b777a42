// The cart: kept in the browser (localStorage), so it survives a reload and is shared by tabs.
// Each line keeps the name and price seen when it was added, for display; the order itself is
// priced by the Orders module.
import { storedValue } from '../lib/store.js';

export const cart = storedValue('mart.cart', []);

export const cartCount = (lines) => lines.reduce((sum, line) => sum + line.quantity, 0);

export function addToCart(product, quantity = 1) {
  const lines = cart.get();
  const line = lines.find((l) => l.product_id === product.id);
  const others = lines.filter((l) => l.product_id !== product.id);
  const have = line ? line.quantity : 0;
  cart.set([
    ...others,
    {
      product_id: product.id,
      name: product.name,
      price_cents: product.price_cents,
      currency: product.currency,
      quantity: Math.min(have + quantity, 999),
    },
  ]);
}

export function setQuantity(productId, quantity) {
  cart.set(
    cart.get().map((line) => (line.product_id === productId ? { ...line, quantity } : line)),
  );
}

export function removeFromCart(productId) {
  cart.set(cart.get().filter((line) => line.product_id !== productId));
}

export function clearCart() {
  cart.set([]);
}

// {currency: cents} of the lines (a cart may mix currencies; each is totalled on its own).
export function totals(lines) {
  const sums = {};
  for (const line of lines) {
    sums[line.currency] = (sums[line.currency] || 0) + line.price_cents * line.quantity;
  }
  return sums;
}
