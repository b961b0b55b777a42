// Live flow: every bus event as it is published (the admin event stream), grouped by the module
// that published it, with the rate per event type, pause, filters, and a link from each order
// event to that order's timeline. Only the last `kept` events stay in memory.
import { useEffect, useRef, useState } from 'preact/hooks';
import { withQuery } from '../lib/api.js';
import { openEventStream } from '../lib/event_stream.js';
import { html } from '../lib/html.js';
import { formatClock } from '../lib/money.js';
import { navigate, useLocation } from '../lib/router.js';
import { useTitle } from '../lib/ui.js';
import { TypeName, modules, orderIdOf, shortType } from './console_parts.js';

const kept = 300;
const shownPerModule = 40;
const rateWindowS = 10;

// Events per type and second over the last `rateWindowS` seconds: a few numbers per type, however
// many events arrive.
class Rates {
  constructor() {
    this.byType = new Map();
  }

  count(type, second) {
    let slots = this.byType.get(type);
    if (!slots) this.byType.set(type, (slots = []));
    const last = slots[slots.length - 1];
    if (last && last.second === second) last.count += 1;
    else slots.push({ second, count: 1 });
    while (slots.length && slots[0].second <= second - rateWindowS) slots.shift();
  }

  // [{type, perSecond}], busiest first.
  now(second) {
    return [...this.byType.entries()].map(([type, slots]) => {
      const recent = slots.filter((s) => s.second > second - rateWindowS);
      return { type, perSecond: recent.reduce((sum, s) => sum + s.count, 0) / rateWindowS };
    }).sort((a, b) => b.perSecond - a.perSecond || a.type.localeCompare(b.type));
  }
}

const stateText = {
  connecting: 'Connecting…',
  open: 'Live',
  waiting: 'Disconnected',
  closed: 'Closed',
};

// The stream, read while the page is open: {events (newest last), rates, connection, notices,
// version}. Re-renders at most every 150 ms however fast events come.
function useEventFeed() {
  const events = useRef([]);
  const rates = useRef(new Rates());
  const [connection, setConnection] = useState({ state: 'connecting' });
  const [notices, setNotices] = useState([]);
  const [version, setVersion] = useState(0);
  useEffect(() => {
    let timer = null;
    const refresh = () => {
      timer ??= setTimeout(() => {
        timer = null;
        setVersion((v) => v + 1);
      }, 150);
    };
    const close = openEventStream({}, {
      onEvent(event) {
        events.current.push(event);
        if (events.current.length > kept) events.current.splice(0, events.current.length - kept);
        rates.current.count(event.type, Math.floor(Date.now() / 1000));
        refresh();
      },
      onNotice(notice) {
        setNotices((old) => [...old.slice(-4), { ...notice, at: new Date().toISOString() }]);
      },
      onState: setConnection,
    });
    const tick = setInterval(refresh, 1000);  // the rates fall when nothing comes
    return () => {
      close();
      clearInterval(tick);
      clearTimeout(timer);
    };
  }, []);
  return { events: events.current, rates: rates.current, connection, notices, version };
}

function Notice({ notice }) {
  if (notice.event === 'mart.unavailable') {
    return html`<li>Not answering: <code>${notice.upstream}</code>
      (${(notice.modules || []).join(', ')}): ${notice.error}</li>`;
  }
  return html`<li>${notice.detail || notice.event}</li>`;
}

function FeedItem({ event }) {
  const order = orderIdOf(event);
  const name = shortType(event.type);
  return html`<li class="feed-item">
    <time datetime=${event.time}>${formatClock(event.time)}</time>
    ${order
      ? html`<a href=${`/admin/timeline/${order}`} title=${event.type}>${name} · order ${order}</a>`
      : html`<span title=${event.type}>${name}</span> <span class="muted">key ${event.key}</span>`}
  </li>`;
}

function ModuleFeed({ module, events }) {
  const mine = events.filter((e) => e.source === module);
  const shown = mine.slice(-shownPerModule).reverse();
  return html`<section class="lane-feed" aria-labelledby=${`feed-${module}`}>
    <h2 id=${`feed-${module}`}>${module} <span class="badge">${mine.length}</span></h2>
    ${shown.length
      ? html`<ol class="feed" aria-label=${`Events from ${module}, newest first`}>
        ${shown.map((e) => html`<${FeedItem} key=${e.id} event=${e} />`)}</ol>`
      : html`<p class="muted">Nothing yet.</p>`}
  </section>`;
}

function RateTable({ rates }) {
  return html`<table class="rates">
    <caption>Events per second (last ${rateWindowS} s)</caption>
    <thead><tr><th scope="col">Event type</th><th scope="col">Per second</th></tr></thead>
    <tbody>
      ${!rates.length && html`<tr><td colspan="2" class="muted">No event yet.</td></tr>`}
      ${rates.map((r) => html`<tr key=${r.type}><td data-label="Event type"><${TypeName} type=${r.type} /></td>
        <td data-label="Per second">${r.perSecond.toFixed(1)}</td></tr>`)}
    </tbody>
  </table>`;
}

export function FlowPage() {
  useTitle('Live flow');
  const { query } = useLocation();
  const module = query.get('module') || '';
  const type = query.get('type') || '';
  const feed = useEventFeed();
  const [frozen, setFrozen] = useState(null);  // the events shown while paused
  const all = frozen || feed.events;
  const shown = all.filter((e) => (!module || e.source === module) && (!type || e.type === type));
  const rates = feed.rates.now(Math.floor(Date.now() / 1000));
  const types = [...new Set([...rates.map((r) => r.type), type].filter(Boolean))].sort();
  const unseen = frozen ? feed.events.filter((e) => !frozen.includes(e)).length : 0;
  const filter = (name) => (event) => navigate(withQuery('/admin/flow',
    { module, type, [name]: event.currentTarget.value }), { replace: true });
  const { connection } = feed;
  return html`<section class="console">
    <div class="heading">
      <h1>Live flow</h1>
      <div class="actions">
        <span class=${`connection connection-${connection.state}`} role="status">
          ${stateText[connection.state]}${connection.detail && `: ${connection.detail}`}</span>
        <button type="button" onClick=${() => setFrozen(frozen ? null : [...feed.events])}>
          ${frozen ? 'Resume' : 'Pause'}</button>
      </div>
    </div>
    <p class="muted">${`Every event as it is published, by the module that published it; the last ${kept}
      are kept. An order's event leads to its timeline.`}</p>
    ${frozen && html`<p class="notice" role="status">Paused: ${unseen} new event${unseen === 1 ? '' : 's'} not shown.</p>`}
    <form class="inline filters" onSubmit=${(e) => e.preventDefault()}>
      <div class="field inline">
        <label for="flow-module">Module</label>
        <select id="flow-module" value=${module} onChange=${filter('module')}>
          <option value="">All</option>
          ${modules.map((m) => html`<option key=${m} value=${m}>${m}</option>`)}
        </select>
      </div>
      <div class="field inline">
        <label for="flow-type">Event type</label>
        <select id="flow-type" value=${type} onChange=${filter('type')}>
          <option value="">All</option>
          ${types.map((t) => html`<option key=${t} value=${t}>${t}</option>`)}
        </select>
      </div>
    </form>
    ${feed.notices.length > 0 && html`<ul class="notices" aria-label="Stream notices">
      ${feed.notices.map((n) => html`<${Notice} key=${n.at + n.event} notice=${n} />`)}</ul>`}
    <div class="flow">
      <div class="feeds">
        ${(module ? [module] : modules).map((m) => html`<${ModuleFeed} key=${m} module=${m} events=${shown} />`)}
      </div>
      <${RateTable} rates=${rates} />
    </div>
  </section>`;
}
