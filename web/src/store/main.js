// The storefront: a header, then the page the location names.
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { html } from '../lib/html.js';
import { matchPage, navigate, useLocation } from '../lib/router.js';
import { useUser } from '../lib/session.js';
import { signOut } from '../lib/sign_in.js';
import { useStored } from '../lib/store.js';
import { useInterval } from '../lib/ui.js';
import { AccountPage, SignInPage, SignUpPage } from './account_pages.js';
import { CartPage } from './cart_page.js';
import { cart, cartCount } from './cart_store.js';
import { Catalogue } from './catalogue.js';
import { CheckoutPage } from './checkout.js';
import { NotificationsPage } from './notifications_page.js';
import { OrderPage } from './order_page.js';
import { OrdersPage } from './orders_page.js';
import { ProductPage } from './product.js';
import { onUnread, refreshUnread } from './unread.js';

const pages = {
  '/': Catalogue,
  '/products/{id}': ProductPage,
  '/cart': CartPage,
  '/checkout': CheckoutPage,
  '/signin': SignInPage,
  '/signup': SignUpPage,
  '/account': AccountPage,
  '/orders': OrdersPage,
  '/orders/{id}': OrderPage,
  '/notifications': NotificationsPage,
};
const needsUser = new Set(['/orders', '/orders/{id}', '/notifications']);

function Header() {
  const user = useUser();
  const count = cartCount(useStored(cart));
  const [unread, setUnread] = useState(0);
  useEffect(() => onUnread(setUnread), []);
  useEffect(() => {
    refreshUnread();
  }, [user && user.id]);
  useInterval(refreshUnread, 15000, Boolean(user));
  const out = async () => {
    await signOut();
    navigate('/');
  };
  return html`<header class="site">
    <a class="brand" href="/">Mart</a>
    <nav aria-label="Main">
      <a href="/">Catalogue</a>
      <a href="/cart">Cart <span class="badge" aria-label=${`${count} items`}>${count}</span></a>
      ${user && html`<a href="/orders">My orders</a>
        <a href="/notifications">Notifications ${unread > 0 &&
          html`<span class="badge unread" aria-label=${`${unread} unread`}>${unread > 99 ? '99+' : unread}</span>`}</a>
        <a href="/account">Account</a>
        ${user.role === 'admin' && html`<a href="/admin">Admin</a>`}
        <button type="button" class="link" onClick=${out}>Sign out</button>`}
      ${!user && html`<a href="/signin">Sign in</a> <a href="/signup">Sign up</a>`}
    </nav>
  </header>`;
}

function App() {
  const { path } = useLocation();
  const user = useUser();
  const match = matchPage(path);
  const Page = match && pages[match.pattern];
  let content;
  if (!Page) content = html`<section><h1>Not found</h1><p>There is no such page. <a href="/">Back to the catalogue</a>.</p></section>`;
  else if (needsUser.has(match.pattern) && !user) {
    content = html`<section><h1>Please sign in</h1><p><a href=${`/signin?next=${encodeURIComponent(path)}`}>Sign in</a> to see this page.</p></section>`;
  } else content = html`<${Page} ...${match.params} />`;
  return html`<${Header} /><main id="main">${content}</main>
    <footer class="site"><p>Mart — a demo shop. Payments are simulated.</p></footer>`;
}

// The start-up text in the HTML gives way to the app.
const root = document.getElementById('app');
root.replaceChildren();
render(html`<${App} />`, root);
