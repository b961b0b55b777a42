// Health, refreshed every 2 s: per module the outbox (waiting, oldest), retries, dead letters and
// Kafka mirror lag (GET /admin/events/status, the whole deployment in split mode); deliveries
// waiting per subscriber (the dead-letter list); and from this process's /metrics the stuck
// orders, the orders per status, the delivery rates and two charts kept while the page is open.
import { useRef } from 'preact/hooks';
import { get } from '../lib/api.js';
import { html } from '../lib/html.js';
import { formatTime } from '../lib/money.js';
import { buckets, parseMetrics, quantileBetween, total, totalsBy } from '../lib/prometheus.js';
import { Loading, Problem, useInterval, useLoad, useTitle } from '../lib/ui.js';
import { LineChart } from './line_chart.js';
import { Unavailable, formatDuration, modules as moduleOrder } from './console_parts.js';

const everyMs = 2000;
const windowMs = 5 * 60 * 1000;
const orderRoute = { route: '/api/v1/orders', method: 'POST' };

async function readMetrics() {
  const response = await fetch('/metrics', { headers: { Accept: 'text/plain' }, cache: 'no-store' });
  if (!response.ok) throw new Error(`/metrics answered ${response.status}`);
  return parseMetrics(await response.text());
}

// What one reading of /metrics keeps for the charts and rates.
function sampleOf(samples, t) {
  return {
    t,
    placed: total(samples, 'mart_http_requests_total', { ...orderRoute, status: '201' }),
    confirmed: total(samples, 'mart_events_delivered_total', { subscriber: 'orders.on_payment_succeeded' }),
    latency: buckets(samples, 'mart_http_request_duration_seconds', orderRoute),
    delivered: totalsBy(samples, 'mart_events_delivered_total', 'module'),
    retried: totalsBy(samples, 'mart_events_retried_total', 'module'),
  };
}

const perSecond = (now, before, pick) => {
  const a = pick(now);
  const b = pick(before);
  return a === null || b === null || a === undefined || b === undefined
    ? null : Math.max(0, a - b) / ((now.t - before.t) / 1000);
};

// The chart points of the kept readings: one per pair of consecutive readings.
function series(history) {
  const points = { placed: [], confirmed: [], p50: [], p95: [] };
  for (let i = 1; i < history.length; i++) {
    const [before, now] = [history[i - 1], history[i]];
    const t = now.t;
    points.placed.push({ t, v: perSecond(now, before, (s) => s.placed) });
    points.confirmed.push({ t, v: perSecond(now, before, (s) => s.confirmed) });
    const p50 = quantileBetween(0.5, before.latency, now.latency);
    const p95 = quantileBetween(0.95, before.latency, now.latency);
    points.p50.push({ t, v: p50 === null ? null : p50 * 1000 });
    points.p95.push({ t, v: p95 === null ? null : p95 * 1000 });
  }
  return points;
}

function ModuleTable({ status }) {
  const missing = (status.unavailable || []).flatMap((u) => (u.modules || []).map((m) => ({ module: m, upstream: u.upstream })));
  const rows = [...status.modules].sort((a, b) => moduleOrder.indexOf(a.module) - moduleOrder.indexOf(b.module));
  return html`<table class="health-modules">
    <caption>Per module</caption>
    <thead><tr><th scope="col">Module</th><th scope="col">Outbox waiting</th><th scope="col">Oldest waiting</th>
      <th scope="col">Retrying</th><th scope="col">Dead letters</th><th scope="col">Mirror lag</th></tr></thead>
    <tbody>
      ${rows.map((m) => html`<tr key=${m.module}>
        <th scope="row">${m.module}</th>
        <td data-label="Outbox waiting">${m.outbox_waiting}</td>
        <td data-label="Oldest waiting">${m.outbox_waiting ? formatDuration(m.oldest_waiting_age_ms) : '—'}</td>
        <td data-label="Retrying" class=${m.retrying ? 'warn' : ''}>${m.retrying}</td>
        <td data-label="Dead letters" class=${m.dead_letters ? 'bad' : ''}>${m.dead_letters
          ? html`<a href="/admin/dead-letters?status=dead">${m.dead_letters}</a>` : 0}</td>
        <td data-label="Mirror lag">${m.mirror_lag === null || m.mirror_lag === undefined ? '—' : m.mirror_lag}</td>
      </tr>`)}
      ${missing.map((m) => html`<tr key=${`missing-${m.module}`} class="not-answering">
        <th scope="row">${m.module}</th>
        <td colspan="5" data-label="State"><strong class="bad">not answering</strong> (<code>${m.upstream}</code>)</td>
      </tr>`)}
    </tbody>
  </table>`;
}

// Deliveries parked for a retry or dead, per subscriber (from the first 100 of the list).
function WaitingTable({ list }) {
  const bySubscriber = new Map();
  for (const d of list.items) {
    const row = bySubscriber.get(d.subscriber) || { subscriber: d.subscriber, retrying: 0, dead: 0, oldest: d.parked_at };
    if (d.status === 'dead') row.dead += 1;
    else row.retrying += 1;
    if (d.parked_at < row.oldest) row.oldest = d.parked_at;
    bySubscriber.set(d.subscriber, row);
  }
  const rows = [...bySubscriber.values()].sort((a, b) => a.subscriber.localeCompare(b.subscriber));
  return html`<table class="health-waiting">
    <caption>Deliveries waiting, per subscriber${list.next_cursor ? ' (the first 100)' : ''}</caption>
    <thead><tr><th scope="col">Subscriber</th><th scope="col">Retrying</th><th scope="col">Dead letters</th>
      <th scope="col">Waiting since</th></tr></thead>
    <tbody>
      ${!rows.length && html`<tr><td colspan="4" class="muted">Nothing waiting: every delivery went through.</td></tr>`}
      ${rows.map((r) => html`<tr key=${r.subscriber}><th scope="row"><code>${r.subscriber}</code></th>
        <td data-label="Retrying" class=${r.retrying ? 'warn' : ''}>${r.retrying}</td>
        <td data-label="Dead letters" class=${r.dead ? 'bad' : ''}>${r.dead}</td>
        <td data-label="Waiting since">${formatTime(r.oldest)}</td></tr>`)}
    </tbody>
  </table>`;
}

function Figures({ samples }) {
  const value = (name, labels) => total(samples, name, labels);
  const byStatus = totalsBy(samples, 'mart_orders', 'status');
  const stuck = value('mart_stuck_orders');
  const figures = [
    ['Stuck orders', stuck, stuck ? 'bad' : ''],
    ['Notifications waiting for the channel', value('mart_deliveries_waiting_for_channel'), ''],
    ['Charges waiting for the provider', value('mart_charges_waiting_for_provider'), ''],
    ['Delivery threads', value('mart_relay_running') === 1 ? 'running' : 'stopped', ''],
  ].filter(([, v]) => v !== null);
  return html`<dl class="figures">
    ${figures.map(([name, v, tone]) => html`<div key=${name}><dt>${name}</dt><dd class=${tone}>${v}</dd></div>`)}
    ${Object.keys(byStatus).length > 0 && html`<div><dt>Orders by status</dt><dd class="small">
      ${Object.entries(byStatus).map(([s, n]) => `${s} ${n}`).join(' · ')}</dd></div>`}
  </dl>`;
}

function RatesTable({ history }) {
  if (history.length < 2) return null;
  const [before, now] = history.slice(-2);
  const rows = Object.keys(now.delivered).sort((a, b) => moduleOrder.indexOf(a) - moduleOrder.indexOf(b));
  if (!rows.length) return null;
  return html`<table class="health-rates">
    <caption>Deliveries per second, by consuming module (this process)</caption>
    <thead><tr><th scope="col">Module</th><th scope="col">Handled</th><th scope="col">Retried</th></tr></thead>
    <tbody>${rows.map((m) => html`<tr key=${m}><th scope="row">${m}</th>
      <td data-label="Handled">${(perSecond(now, before, (s) => s.delivered[m]) ?? 0).toFixed(1)}</td>
      <td data-label="Retried">${(perSecond(now, before, (s) => s.retried[m] ?? 0) ?? 0).toFixed(1)}</td></tr>`)}
    </tbody>
  </table>`;
}

export function HealthPage() {
  useTitle('Health');
  const history = useRef([]);
  const load = async () => {
    const [status, waiting, samples] = await Promise.all([
      get('/admin/events/status'),
      get('/admin/dead-letters?limit=100'),
      readMetrics().catch((error) => ({ error })),
    ]);
    const now = Date.now();
    if (!samples.error) {
      history.current.push(sampleOf(samples, now));
      while (history.current.length && history.current[0].t < now - windowMs - everyMs) history.current.shift();
    }
    return { status, waiting, samples, at: now };
  };
  const page = useLoad(load, []);
  useInterval(page.reload, everyMs);
  if (page.error && !page.data) return html`<section><h1>Health</h1><${Problem} error=${page.error} /></section>`;
  if (!page.data) return html`<section><h1>Health</h1><${Loading} /></section>`;
  const { status, waiting, samples, at } = page.data;
  const points = series(history.current);
  // The charts span the time the page has been open, from one minute up to five.
  const since = history.current.length ? history.current[0].t : at;
  const span = Math.min(windowMs, Math.max(60000, Math.ceil((at - since) / 60000) * 60000));
  const processes = status.processes || [];
  return html`<section class="console">
    <div class="heading">
      <h1>Health</h1>
      <p class="muted">${`Refreshed every 2 s · ${new Date(at).toLocaleTimeString('en-GB')} · delivery ${status.relay || 'unknown'}`}</p>
    </div>
    <${Problem} error=${page.error} />
    <${Unavailable} list=${status.unavailable} />
    ${processes.length > 0 && html`<p class="muted">Processes: ${processes.map((p, i) => html`${i ? '; ' : ''}<code>${p.upstream}</code>
      (${(p.modules || []).join(', ')})`)}</p>`}
    <div class="health-grid">
      <${ModuleTable} status=${status} />
      <${WaitingTable} list=${waiting} />
    </div>
    ${samples.error
      ? html`<div class="problem" role="alert">The metrics cannot be read: ${samples.error.message}</div>`
      : html`<h2>This process</h2>
        <${Figures} samples=${samples} />
        <div class="charts">
          <${LineChart} title="Orders per second" unit="/s" windowMs=${span} now=${at}
            series=${[{ name: 'placed', points: points.placed, className: 's1' },
              { name: 'confirmed', points: points.confirmed, className: 's2' }]} />
          <${LineChart} title="POST /api/v1/orders latency" unit="ms" windowMs=${span} now=${at}
            series=${[{ name: 'p50', points: points.p50, className: 's1' },
              { name: 'p95', points: points.p95, className: 's2' }]} />
        </div>
        <${RatesTable} history=${history.current} />`}
  </section>`;
}
