// Dead letters: deliveries that ran out of attempts (and those still retrying), each with its
// full attempt history; replay one (the outcome is shown: delivered, or failed again), or discard
// it with a reason. Every replay and discard is in the audit list.
import { useState } from 'preact/hooks';
import { get, post, withQuery } from '../lib/api.js';
import { html } from '../lib/html.js';
import { formatTime } from '../lib/money.js';
import { navigate, useLocation } from '../lib/router.js';
import {
  Empty, Field, Loading, Notice, Pager, Problem, useAction, useForm, usePages, useTitle,
} from '../lib/ui.js';
import { TypeName, Unavailable, orderIdOf } from './console_parts.js';

const statusFilters = [
  ['', 'Retrying and dead'],
  ['dead', 'Dead'],
  ['pending', 'Retrying'],
  ['discarded', 'Discarded'],
];
const statusText = { pending: 'retrying', dead: 'dead', discarded: 'discarded', delivered: 'delivered' };

function History({ entry }) {
  const history = entry.history || [];
  return html`<details class="history">
    <summary>Attempt history (${history.length})</summary>
    ${history.length
      ? html`<table>
        <caption class="visually-hidden">Attempts of dead letter ${entry.id}</caption>
        <thead><tr><th scope="col">Attempt</th><th scope="col">At</th><th scope="col">Error</th></tr></thead>
        <tbody>${history.map((a) => html`<tr key=${a.attempt}><td data-label="Attempt">${a.attempt}</td>
          <td data-label="At">${formatTime(a.at)}</td><td data-label="Error">${a.error}</td></tr>`)}</tbody>
      </table>`
      : html`<p class="muted">No attempt recorded.</p>`}
  </details>`;
}

function DiscardForm({ entry, onDiscarded, onCancel }) {
  const form = useForm({ reason: '' }, async ({ reason }) => {
    onDiscarded(await post(`/admin/dead-letters/${entry.id}/discard`, { reason }));
  });
  return html`<form class="discard" onSubmit=${form.onSubmit} novalidate>
    <${Field} as="textarea" label=${`Reason for discarding dead letter ${entry.id}`} rows="2"
      maxlength="500" error=${form.errors.reason} hint="Kept in the audit list with your name." ...${form.bind('reason')} />
    <div class="actions">
      <button type="submit" class="danger" disabled=${form.busy}>Discard</button>
      <button type="button" onClick=${onCancel}>Keep it</button>
    </div>
    ${!form.errors.reason && html`<${Problem} error=${form.problem} />`}
  </form>`;
}

function DeadLetter({ entry: initial }) {
  const [entry, setEntry] = useState(initial);
  const [outcome, setOutcome] = useState('');
  const [discarding, setDiscarding] = useState(false);
  const action = useAction();
  const order = orderIdOf(entry.event);
  const replay = () => action.run(async () => {
    const answer = await post(`/admin/dead-letters/${entry.id}/replay`);
    if (answer.status === 'delivered') {
      setEntry((old) => ({ ...old, status: 'delivered' }));
      setOutcome('Replayed: delivered.');
    } else {
      setEntry(answer);
      setOutcome(`Replayed, but it failed again: ${answer.last_error}. It is retrying.`);
    }
  });
  const discarded = (answer) => {
    setDiscarding(false);
    setEntry((old) => ({ ...old, status: answer.status }));
    setOutcome('Discarded: it will not be delivered to this subscriber.');
  };
  return html`<li class="card dead-letter" aria-labelledby=${`dl-${entry.id}`}>
    <div class="heading">
      <h2 id=${`dl-${entry.id}`}>Dead letter ${entry.id}: <code>${entry.subscriber}</code></h2>
      <span class=${`status status-dl-${entry.status}`}>${statusText[entry.status] || entry.status}</span>
    </div>
    <dl class="facts">
      <div class="double"><dt>Event</dt><dd><${TypeName} type=${entry.event.type} /> from ${entry.event.source}</dd></div>
      <div><dt>Key</dt><dd>${entry.event.key}</dd></div>
      ${order && html`<div><dt>Order</dt><dd><a href=${`/admin/timeline/${order}`}>timeline of order ${order}</a></dd></div>`}
      <div><dt>Attempts</dt><dd>${entry.attempts}</dd></div>
      <div><dt>Parked</dt><dd>${formatTime(entry.parked_at)}</dd></div>
      <div class="wide"><dt>Last error</dt><dd>${entry.last_error}</dd></div>
    </dl>
    <${History} entry=${entry} />
    ${outcome && html`<${Notice}>${outcome}</${Notice}>`}
    ${entry.status === 'dead' && !discarding && html`<div class="actions">
      <button type="button" class="primary" disabled=${action.busy} onClick=${replay}
        aria-label=${`Replay dead letter ${entry.id}`}>Replay</button>
      <button type="button" onClick=${() => setDiscarding(true)}
        aria-label=${`Discard dead letter ${entry.id}…`}>Discard…</button>
    </div>`}
    ${discarding && html`<${DiscardForm} entry=${entry} onDiscarded=${discarded} onCancel=${() => setDiscarding(false)} />`}
    <${Problem} error=${action.problem} />
  </li>`;
}

export function DeadLettersPage() {
  useTitle('Dead letters');
  const { query } = useLocation();
  const status = query.get('status') || '';
  const pages = usePages((cursor) => get(withQuery('/admin/dead-letters', { status, limit: 20, cursor })), [status]);
  return html`<section class="console">
    <div class="heading">
      <h1>Dead letters</h1>
      <a href="/admin/audit">Audit list of replays and discards</a>
    </div>
    <p class="muted">A delivery that failed is retried with a growing wait, and later events of the
      same key wait behind it; after the last attempt it is a dead letter (they flow on) until it is
      replayed or discarded.</p>
    <div class="actions">
      <div class="field inline">
        <label for="dl-status">Show</label>
        <select id="dl-status" value=${status}
          onChange=${(e) => navigate(withQuery('/admin/dead-letters', { status: e.currentTarget.value }), { replace: true })}>
          ${statusFilters.map(([value, text]) => html`<option key=${value} value=${value}>${text}</option>`)}
        </select>
      </div>
      <button type="button" onClick=${pages.reload}>Refresh</button>
    </div>
    <${Problem} error=${pages.error} />
    ${pages.data && html`<${Unavailable} list=${pages.data.unavailable} />`}
    <div class="list-area">
      ${pages.loading && !pages.data && html`<${Loading} />`}
      ${pages.data && !pages.items.length && html`<${Empty}>No dead letter here.</${Empty}>`}
      ${pages.items.length > 0 && html`<ul class="plain dead-letters">
        ${pages.items.map((d) => html`<${DeadLetter} key=${`${d.id}-${d.status}`} entry=${d} />`)}</ul>`}
    </div>
    <${Pager} pages=${pages} label="Dead letter pages" />
  </section>`;
}
