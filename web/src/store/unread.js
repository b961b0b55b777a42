// How many of the user's notifications are unread, for the header's badge: counted over the
// newest 100 (shown as "99+" beyond), refreshed on a timer and after a change.
import { get } from '../lib/api.js';
import { currentToken } from '../lib/session.js';

const listeners = new Set();
let count = 0;

export async function refreshUnread() {
  if (!currentToken()) {
    count = 0;
  } else {
    try {
      const page = await get('/notifications?limit=100');
      count = page.items.filter((n) => !n.read).length;
    } catch {
      return;  // keep the last count; the inbox page shows the error
    }
  }
  listeners.forEach((listener) => listener(count));
}

export function onUnread(listener) {
  listeners.add(listener);
  listener(count);
  return () => listeners.delete(listener);
}
