// Order timeline: every event of one order, across the modules (and, in split mode,
// across the processes): a swimlane diagram and the same facts in a table. Searchable by id.
import { useState } from 'preact/hooks';
import { get, withQuery } from '../lib/api.js';
import { html } from '../lib/html.js';
import { formatClock } from '../lib/money.js';
import { navigate } from '../lib/router.js';
import { Loading, Problem, useInterval, useLoad, useTitle } from '../lib/ui.js';
import { TypeName, Unavailable, formatDuration, moduleOf } from './console_parts.js';
import { Swimlane, SwimlaneLegend } from './swimlane.js';

const ms = (time) => new Date(time).getTime();

function Search({ id }) {
  const [value, setValue] = useState(id ? String(id) : '');
  const [error, setError] = useState('');
  const submit = (event) => {
    event.preventDefault();
    const text = value.trim();
    if (!/^[1-9][0-9]*$/.test(text)) {
      setError('An order id is a whole number, like 42.');
      return;
    }
    setError('');
    navigate(`/admin/timeline/${text}`);
  };
  return html`<form class="search" role="search" onSubmit=${submit} novalidate>
    <label class="visually-hidden" for="timeline-order">Order id</label>
    <input id="timeline-order" inputmode="numeric" placeholder="Order id" value=${value}
      aria-invalid=${error ? 'true' : undefined} aria-describedby=${error ? 'timeline-order-error' : undefined}
      onInput=${(e) => setValue(e.currentTarget.value)} />
    <button type="submit" class="primary">Show timeline</button>
  </form>
  ${error && html`<p class="error" id="timeline-order-error">${error}</p>`}`;
}

function Handled({ event }) {
  if (!event.handled_by.length) return html`<span class="muted">—</span>`;
  return html`<ul class="plain">${event.handled_by.map((h) => html`<li key=${h.subscriber}>
    <code>${h.subscriber}</code> at ${formatClock(h.handled_at)}
    <span class="muted">(+${formatDuration(ms(h.handled_at) - ms(event.time))})</span>
    ${(h.failures || []).length > 0 && html`<ul class="failures">${h.failures.map((f, i) => html`<li key=${i}>
      failed at ${formatClock(f.at)}: ${f.error}</li>`)}</ul>`}
  </li>`)}</ul>`;
}

function Waiting({ event }) {
  if (!event.waiting.length) return html`<span class="muted">—</span>`;
  return html`<ul class="plain">${event.waiting.map((w) => html`<li key=${w.subscriber}>
    <code>${w.subscriber}</code>: ${w.status === 'dead_letter' || w.status === 'discarded'
      ? html`<strong class="bad">${w.status === 'discarded' ? 'discarded' : 'dead letter'}</strong>
        ${` after ${w.attempts} attempts `}(<a href=${`/admin/dead-letters?status=${w.status === 'discarded' ? 'discarded' : 'dead'}`}>dead letters</a>)`
      : html`<strong class="warn">retrying</strong>, ${w.attempts} failed${w.next_attempt_at
        ? `, next at ${formatClock(w.next_attempt_at)}` : ''}`}
    ${(w.history || []).length > 0 && html`<ul class="failures">${w.history.map((a) => html`<li key=${a.attempt}>
      attempt ${a.attempt} at ${formatClock(a.at)}: ${a.error}</li>`)}</ul>`}
    ${!(w.history || []).length && html`<div class="failures">${w.last_error}</div>`}
  </li>`)}</ul>`;
}

function EventTable({ events }) {
  return html`<table class="timeline-table">
    <caption>The events, in the order they were published</caption>
    <thead><tr><th scope="col">#</th><th scope="col">Time</th><th scope="col">Event</th>
      <th scope="col">From</th><th scope="col">Handled by</th><th scope="col">Failed or waiting</th></tr></thead>
    <tbody>${events.map((e, i) => html`<tr key=${e.id}>
      <td data-label="#" class="nowrap">${i + 1}</td><td data-label="Time" class="nowrap">${formatClock(e.time)}</td>
      <td data-label="Event"><${TypeName} type=${e.type} />${e.keyedOtherwise &&
        html`<br /><span class="muted">keyed ${e.key}; from the dead letters</span>`}</td><td data-label="From">${e.source}</td>
      <td data-label="Handled by"><${Handled} event=${e} /></td>
      <td data-label="Failed or waiting"><${Waiting} event=${e} /></td></tr>`)}
    </tbody>
  </table>`;
}

// A delivery parked for an event about this order but keyed otherwise (a notification is keyed
// by its user): the timeline by key does not have it, the dead-letter list does.
function parkedEventsOf(id, list, known) {
  const byEvent = new Map();
  for (const d of list.items) {
    if (d.event.data.order_id !== id || known.has(d.event.id) || d.status === 'discarded') continue;
    const event = byEvent.get(d.event.id) || {
      id: d.event.id, type: d.event.type, source: d.event.source, key: d.event.key,
      time: d.event.occurred_at, correlation_id: d.event.correlation_id, data: d.event.data,
      handled_by: [], waiting: [], keyedOtherwise: true,
    };
    event.waiting.push({ subscriber: d.subscriber, status: d.status === 'dead' ? 'dead_letter' : 'retrying',
      attempts: d.attempts, last_error: d.last_error, history: d.history || [] });
    byEvent.set(d.event.id, event);
  }
  return [...byEvent.values()];
}

async function loadTimeline(id) {
  const [timeline, parked] = await Promise.all([
    get(withQuery('/admin/events/timeline', { key: id })),
    get('/admin/dead-letters?limit=100').catch(() => ({ items: [] })),
  ]);
  // A key is only unique within its aggregate: user 7 and product 7 share the key "7". The order's
  // events are those about order `id` (each names it in its data).
  const mine = timeline.events.filter((e) => e.data && e.data.order_id === id);
  const known = new Set(mine.map((e) => e.id));
  return { ...timeline, events: [...mine, ...parkedEventsOf(id, parked, known)] };
}

function Timeline({ id }) {
  const page = useLoad(() => loadTimeline(id), [id]);
  const data = page.data;
  const events = data ? [...data.events].sort((a, b) => ms(a.time) - ms(b.time)) : [];
  // Follows the order while it moves: a recent event, or a delivery waiting for its retry.
  const last = events.length ? ms(events[events.length - 1].time) : 0;
  const moving = Boolean(data) && (Date.now() - last < 30000 ||
    events.some((e) => e.waiting.some((w) => w.status === 'retrying')));
  useInterval(page.reload, 2000, moving);
  if (page.error && !data) return html`<${Problem} error=${page.error} />`;
  if (!data) return html`<${Loading} />`;
  const involved = new Set(events.flatMap((e) => [e.source,
    ...e.handled_by.map((h) => moduleOf(h.subscriber)), ...e.waiting.map((w) => moduleOf(w.subscriber))]));
  return html`<div>
    <div class="heading">
      <h2>Order ${id}</h2>
      <button type="button" onClick=${page.reload}>Refresh</button>
    </div>
    <${Unavailable} list=${data.unavailable} />
    <${Problem} error=${page.error} />
    ${!events.length
      ? html`<p class="empty">No event of order ${id} (yet). Is it an order id?</p>`
      : html`<p class="muted">${events.length} events across ${involved.size} modules; trace
          <code>${events[0].correlation_id}</code>${moving ? ' (updating live)' : ''}.</p>
        <${Swimlane} events=${events} name=${`order ${id}`} />
        <${SwimlaneLegend} />
        <${EventTable} events=${events} />`}
  </div>`;
}

export function TimelinePage({ id }) {
  useTitle(id ? `Timeline of order ${id}` : 'Order timeline');
  return html`<section class="console">
    <h1>Order timeline</h1>
    <${Search} key=${id} id=${id} />
    ${id ? html`<${Timeline} id=${id} />`
      : html`<p class="muted">Every event of one order across the modules: who published it, which
        subscribers handled it and when, and what failed. The live flow links here too.</p>`}
  </section>`;
}
