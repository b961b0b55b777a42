// The shop's users.
import { get, withQuery } from '../lib/api.js';
import { html } from '../lib/html.js';
import { formatTime } from '../lib/money.js';
import { Empty, Loading, Pager, Problem, usePages, useTitle } from '../lib/ui.js';

export function UsersPage() {
  useTitle('Users');
  const pages = usePages((cursor) => get(withQuery('/users', { limit: 20, cursor })), []);
  return html`<section>
    <h1>Users</h1>
    <${Problem} error=${pages.error} />
    <div class="list-area">
      ${pages.loading && !pages.data && html`<${Loading} />`}
      ${pages.data && !pages.items.length && html`<${Empty}>No users.</${Empty}>`}
      ${pages.items.length > 0 && html`<table>
        <caption class="visually-hidden">Users</caption>
        <thead><tr><th scope="col">Id</th><th scope="col">Email</th><th scope="col">Name</th>
          <th scope="col">Role</th><th scope="col">Address</th><th scope="col">Since</th></tr></thead>
        <tbody>${pages.items.map((u) => html`<tr key=${u.id}><td data-label="Id">${u.id}</td><td data-label="Email">${u.email}</td>
          <td data-label="Name">${u.name}</td><td data-label="Role">${u.role}</td><td data-label="Address" class="address">${u.address}</td>
          <td data-label="Since">${formatTime(u.created_at)}</td></tr>`)}</tbody>
      </table>`}
    </div>
    <${Pager} pages=${pages} label="User pages" />
  </section>`;
}
