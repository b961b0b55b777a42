// Client-side navigation over the page list of pages.js: links within the app change the history
// instead of loading a page; the server answers the same paths with the same HTML (deep links).
import { useEffect, useState } from 'preact/hooks';
import { pageRoutes } from '../pages.js';

const listeners = new Set();

function location() {
  return { path: window.location.pathname, query: new URLSearchParams(window.location.search) };
}

// {pattern, params} of the page route that `path` names, or null.
export function matchPage(path) {
  const parts = path.split('/').slice(1);
  for (const { pattern } of pageRoutes) {
    const want = pattern.split('/').slice(1);
    if (want.length !== parts.length) continue;
    const params = {};
    const same = want.every((segment, i) => {
      if (segment === '{id}') {
        if (!/^[1-9][0-9]*$/.test(parts[i])) return false;
        params.id = Number(parts[i]);
        return true;
      }
      return segment === parts[i];
    });
    if (same) return { pattern, params };
  }
  return null;
}

export function navigate(url, { replace = false } = {}) {
  if (replace) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
  listeners.forEach((listener) => listener(location()));
  if (!replace) window.scrollTo(0, 0);
}

window.addEventListener('popstate', () => listeners.forEach((listener) => listener(location())));

// Plain left clicks on same-origin links to a known page stay in the app.
document.addEventListener('click', (event) => {
  if (event.defaultPrevented || event.button !== 0) return;
  if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  const link = event.target.closest('a[href]');
  if (!link || link.target || link.hasAttribute('download')) return;
  const url = new URL(link.href);
  if (url.origin !== window.location.origin || !matchPage(url.pathname)) return;
  // The storefront and the admin pages are separate bundles: crossing over loads the other one.
  const here = window.location.pathname.startsWith('/admin');
  if (url.pathname.startsWith('/admin') !== here) return;
  event.preventDefault();
  navigate(url.pathname + url.search);
});

// The current location; re-renders on every navigation.
export function useLocation() {
  const [where, setWhere] = useState(location());
  useEffect(() => {
    listeners.add(setWhere);
    return () => listeners.delete(setWhere);
  }, []);
  return where;
}
