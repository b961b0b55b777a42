#pragma once
// Which module serves a request path (docs/api.md): the forwarding decision starts here.

#include <optional>
#include <string_view>

namespace mart::forward {

// The module whose routes live under `path` (percent-decoded, without query): /api/v1/products…
// → products, /api/v1/auth… and /api/v1/users… → users, and so on for inventory, orders,
// payments and notifications; nothing for a path that is not canonical (kernel::is_canonical_path).
// Nothing for the routes every process answers itself: /healthz, /readyz, /metrics, the
// event-machinery admin routes under /api/v1/admin (they are about this process's own outboxes and
// dead letters), and any path no module serves (a local 404).
std::optional<std::string_view> module_for_path(std::string_view path);

}  // namespace mart::forward
