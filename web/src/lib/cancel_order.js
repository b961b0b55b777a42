// Cancelling an order (owner or admin), for the pages that list or show orders.
import { useState } from 'preact/hooks';
import { post } from './api.js';
import { html } from './html.js';
import { Problem } from './ui.js';

export const cancellable = (status) => ['pending', 'reserved', 'confirmed'].includes(status);

// A button that cancels `order` and hands the cancelled order to `onCancelled`; the API's refusal
// (409: it was shipped meanwhile) is shown next to it.
export function CancelOrder({ order, onCancelled, text = 'Cancel', label = `Cancel order ${order.id}` }) {
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState(null);
  if (!cancellable(order.status)) return null;
  const cancel = async () => {
    setBusy(true);
    setProblem(null);
    try {
      onCancelled(await post(`/orders/${order.id}/cancel`));
    } catch (error) {
      setProblem(error);
    } finally {
      setBusy(false);
    }
  };
  return html`<button type="button" onClick=${cancel} disabled=${busy}
      aria-label=${label}>${busy ? 'Cancelling…' : text}</button>
    <${Problem} error=${problem} />`;
}
