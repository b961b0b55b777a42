// Cancelling an order (owner or admin), for the pages that list or show orders.
import { post } from './api.js';
import { html } from './html.js';
import { Problem, useAction } from './ui.js';

export const cancellable = (status) => ['pending', 'reserved', 'confirmed'].includes(status);

// A button that cancels `order` and hands the cancelled order to `onCancelled`; the API's refusal
// (409: it was shipped meanwhile) is shown next to it.
export function CancelOrder({ order, onCancelled, text = 'Cancel', label = `Cancel order ${order.id}` }) {
  const action = useAction();
  if (!cancellable(order.status)) return null;
  const cancel = () => action.run(async () => onCancelled(await post(`/orders/${order.id}/cancel`)));
  return html`<button type="button" onClick=${cancel} disabled=${action.busy}
      aria-label=${label}>${action.busy ? 'Cancelling…' : text}</button>
    <${Problem} error=${action.problem} />`;
}
