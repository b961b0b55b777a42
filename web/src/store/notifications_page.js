// The inbox: newest first, unread ones marked, each can be marked as read.
import { useState } from 'preact/hooks';
import { get, post, withQuery } from '../lib/api.js';
import { html } from '../lib/html.js';
import { formatTime } from '../lib/money.js';
import { Empty, Loading, Pager, Problem, useAction, usePages, useTitle } from '../lib/ui.js';
import { refreshUnread } from './unread.js';

function Notification({ notification, onRead }) {
  const action = useAction();
  const markRead = () =>
    action.run(async () => onRead(await post(`/notifications/${notification.id}/read`)));
  return html`<li class=${notification.read ? 'read' : 'unread'}>
    <p class="message">${notification.read ? '' : html`<span class="visually-hidden">Unread: </span>`}${notification.message}</p>
    <p class="muted">${formatTime(notification.created_at)}
      ${notification.order_id && html` · <a href=${`/orders/${notification.order_id}`}>order ${notification.order_id}</a>`}</p>
    ${!notification.read && html`<button type="button" onClick=${markRead} disabled=${action.busy}>Mark as read</button>`}
    <${Problem} error=${action.problem} />
  </li>`;
}

export function NotificationsPage() {
  useTitle('Notifications');
  const pages = usePages((cursor) => get(withQuery('/notifications', { limit: 20, cursor })), []);
  const [read, setRead] = useState({});
  const onRead = (n) => {
    setRead((old) => ({ ...old, [n.id]: true }));
    refreshUnread();
  };
  return html`<section>
    <h1>Notifications</h1>
    <${Problem} error=${pages.error} />
    <div class="list-area">
      ${pages.loading && !pages.data && html`<${Loading} />`}
      ${pages.data && !pages.items.length && html`<${Empty}>No notifications yet.</${Empty}>`}
      <ul class="inbox">${pages.items.map((n) => html`<${Notification} key=${n.id}
        notification=${read[n.id] ? { ...n, read: true } : n} onRead=${onRead} />`)}</ul>
    </div>
    <${Pager} pages=${pages} label="Notification pages" />
  </section>`;
}
