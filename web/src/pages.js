// The pages a link can point at: the client's router reads this list, and the build hands it to
// the server (manifest.json), which answers these paths with the entry's HTML. One list, so a
// deep link (`/orders/42`, `/admin/products`) always loads the page the router will show.
export const pageRoutes = [
  { pattern: '/', entry: 'store' },
  { pattern: '/products/{id}', entry: 'store' },
  { pattern: '/cart', entry: 'store' },
  { pattern: '/checkout', entry: 'store' },
  { pattern: '/signin', entry: 'store' },
  { pattern: '/signup', entry: 'store' },
  { pattern: '/account', entry: 'store' },
  { pattern: '/orders', entry: 'store' },
  { pattern: '/orders/{id}', entry: 'store' },
  { pattern: '/notifications', entry: 'store' },
  { pattern: '/admin', entry: 'admin' },
  { pattern: '/admin/products', entry: 'admin' },
  { pattern: '/admin/products/new', entry: 'admin' },
  { pattern: '/admin/products/{id}', entry: 'admin' },
  { pattern: '/admin/stock', entry: 'admin' },
  { pattern: '/admin/orders', entry: 'admin' },
  { pattern: '/admin/users', entry: 'admin' },
  { pattern: '/admin/flow', entry: 'admin' },
  { pattern: '/admin/timeline', entry: 'admin' },
  { pattern: '/admin/timeline/{id}', entry: 'admin' },
  { pattern: '/admin/health', entry: 'admin' },
  { pattern: '/admin/dead-letters', entry: 'admin' },
  { pattern: '/admin/audit', entry: 'admin' },
];
