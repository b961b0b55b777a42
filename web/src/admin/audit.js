// The audit list: every replay and discard of a dead letter, who did it and when, newest first.
import { get, withQuery } from '../lib/api.js';
import { html } from '../lib/html.js';
import { formatTime } from '../lib/money.js';
import { Empty, Loading, Pager, Problem, useLoad, usePages, useTitle } from '../lib/ui.js';
import { TypeName, Unavailable } from './console_parts.js';

// The admins by id, to name who acted (the first 100 accounts; others keep their id).
async function accounts() {
  const page = await get('/users?limit=100').catch(() => ({ items: [] }));
  return new Map(page.items.map((u) => [u.id, u.email]));
}

export function AuditPage() {
  useTitle('Audit');
  const pages = usePages((cursor) => get(withQuery('/admin/audit', { limit: 20, cursor })), []);
  const users = useLoad(accounts, []);
  const who = (id) => (users.data && users.data.get(id)) || `user ${id}`;
  return html`<section class="console">
    <div class="heading">
      <h1>Audit</h1>
      <a href="/admin/dead-letters">Dead letters</a>
    </div>
    <p class="muted">Every replay and discard of a dead letter, newest first.</p>
    <${Problem} error=${pages.error} />
    ${pages.data && html`<${Unavailable} list=${pages.data.unavailable} />`}
    <div class="list-area">
      ${pages.loading && !pages.data && html`<${Loading} />`}
      ${pages.data && !pages.items.length && html`<${Empty}>Nothing yet.</${Empty}>`}
      ${pages.items.length > 0 && html`<table class="audit">
        <caption class="visually-hidden">Replays and discards</caption>
        <thead><tr><th scope="col">When</th><th scope="col">Action</th><th scope="col">Who</th>
          <th scope="col">Dead letter</th><th scope="col">Event</th><th scope="col">Outcome</th>
          <th scope="col">Reason</th></tr></thead>
        <tbody>${pages.items.map((a) => html`<tr key=${a.id}>
          <td data-label="When">${formatTime(a.at)}</td>
          <td data-label="Action" class="nowrap">${a.action}</td>
          <td data-label="Who">${who(a.actor_user_id)}</td>
          <td data-label="Dead letter">${a.dead_letter_id} <${TypeName} type=${a.subscriber} /></td>
          <td data-label="Event"><${TypeName} type=${a.event_type} /></td>
          <td data-label="Outcome"><span class=${`status status-dl-${a.outcome}`}>${a.outcome}</span></td>
          <td data-label="Reason">${a.reason ?? '—'}</td></tr>`)}</tbody>
      </table>`}
    </div>
    <${Pager} pages=${pages} label="Audit pages" />
  </section>`;
}
