// The admin pages at /admin: for admins only; anyone else is told so plainly.
import { render } from 'preact';
import { html } from '../lib/html.js';
import { matchPage, navigate, useLocation } from '../lib/router.js';
import { useUser } from '../lib/session.js';
import { SignInForm, signOut } from '../lib/sign_in.js';
import { useTitle } from '../lib/ui.js';
import { AuditPage } from './audit.js';
import { DeadLettersPage } from './dead_letters.js';
import { FlowPage } from './flow.js';
import { HealthPage } from './health.js';
import { AdminOrders } from './orders.js';
import { ProductEditor, ProductList } from './products.js';
import { StockPage } from './stock.js';
import { TimelinePage } from './timeline.js';
import { UsersPage } from './users.js';

const pages = {
  '/admin': ProductList,
  '/admin/products': ProductList,
  '/admin/products/new': ProductEditor,
  '/admin/products/{id}': ProductEditor,
  '/admin/stock': StockPage,
  '/admin/orders': AdminOrders,
  '/admin/users': UsersPage,
  '/admin/flow': FlowPage,
  '/admin/timeline': TimelinePage,
  '/admin/timeline/{id}': TimelinePage,
  '/admin/health': HealthPage,
  '/admin/dead-letters': DeadLettersPage,
  '/admin/audit': AuditPage,
};

// The shop's pages, then the operator's console (events, health, dead letters).
const shopLinks = [['/admin/products', 'Products'], ['/admin/stock', 'Stock'], ['/admin/orders', 'Orders'],
  ['/admin/users', 'Users']];
const consoleLinks = [['/admin/flow', 'Live flow'], ['/admin/timeline', 'Timeline'], ['/admin/health', 'Health'],
  ['/admin/dead-letters', 'Dead letters'], ['/admin/audit', 'Audit']];

function NavLink({ href, text, path }) {
  const here = path === href || path.startsWith(`${href}/`);
  return html`<a href=${href} aria-current=${here ? 'page' : undefined}>${text}</a>`;
}

function Header({ user, path }) {
  const out = async () => {
    await signOut();
    navigate('/admin');
  };
  return html`<header class="site admin">
    <a class="brand" href="/admin">Mart admin</a>
    <nav aria-label="Admin">
      ${user && user.role === 'admin' && html`
        ${shopLinks.map(([href, text]) => html`<${NavLink} key=${href} href=${href} text=${text} path=${path} />`)}
        <span class="nav-group" role="group" aria-label="Console">
          ${consoleLinks.map(([href, text]) => html`<${NavLink} key=${href} href=${href} text=${text} path=${path} />`)}
        </span>`}
      <a href="/">Storefront</a>
      ${user && html`<button type="button" class="link" onClick=${out}>Sign out</button>`}
    </nav>
  </header>`;
}

function Refusal({ user }) {
  useTitle('Admins only');
  return html`<section><h1>Admins only</h1>
    <p role="alert">You are signed in as <span>${user.email}</span>, a customer account. These pages are
    for the shop's staff; <a href="/">go back to the storefront</a>.</p></section>`;
}

function SignInFirst() {
  useTitle('Admin sign-in');
  return html`<section><h1>Admin sign-in</h1>
    <p>Sign in with an admin account to manage the shop.</p>
    <${SignInForm} onSignedIn=${() => {}} /></section>`;
}

function App() {
  const { path } = useLocation();
  const user = useUser();
  const match = matchPage(path);
  const Page = match && pages[match.pattern];
  let content;
  if (!user) content = html`<${SignInFirst} />`;
  else if (user.role !== 'admin') content = html`<${Refusal} user=${user} />`;
  else if (!Page) content = html`<section><h1>Not found</h1><p><a href="/admin">Back to the admin pages</a>.</p></section>`;
  else content = html`<${Page} ...${match.params} />`;
  return html`<${Header} user=${user} path=${path} /><main id="main">${content}</main>`;
}

// The start-up text in the HTML gives way to the app.
const root = document.getElementById('app');
root.replaceChildren();
render(html`<${App} />`, root);
