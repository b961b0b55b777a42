// Pieces the console pages share: the modules in the order an order flows through them, short
// event names, the order an event is about, and the processes that did not answer (split mode).
import { html } from '../lib/html.js';

export const modules = ['orders', 'inventory', 'payments', 'notifications', 'products', 'users'];

// "orders.order_placed.v1" -> "order_placed".
export function shortType(type) {
  const parts = type.split('.');
  return parts.length >= 3 ? parts.slice(1, -1).join('.') : type;
}

// An event type that may break after its dots (narrow columns), not inside a word.
export function TypeName({ type }) {
  const parts = type.split('.');
  return html`<code>${parts.map((part, i) => html`${part}${i < parts.length - 1 && html`.<wbr />`}`)}</code>`;
}

// The module of a subscriber: "notifications.deliver" -> "notifications".
export const moduleOf = (subscriber) => subscriber.split('.')[0];

// The order an event is about: every order event carries `order_id` in its data (the order
// events are keyed by it; a notification names the order it tells of). null otherwise.
export function orderIdOf(event) {
  const id = event.data && event.data.order_id;
  return Number.isInteger(id) && id > 0 ? id : null;
}

// Milliseconds as a short duration: "850 ms", "4.2 s", "3 min".
export function formatDuration(ms) {
  if (ms === null || ms === undefined) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 3600000) return `${Math.round(ms / 60000)} min`;
  return `${(ms / 3600000).toFixed(1)} h`;
}

// Split mode: the upstream processes that did not answer, named with their modules.
export function Unavailable({ list }) {
  if (!list || !list.length) return null;
  return html`<div class="problem" role="alert">
    <strong>Not answering:</strong>
    <ul class="plain">${list.map((u) => html`<li key=${u.upstream}><code>${u.upstream}</code>
      (${(u.modules || []).join(', ') || 'no module named'}): ${u.error}</li>`)}</ul>
    <p>What these processes host is missing below.</p>
  </div>`;
}
