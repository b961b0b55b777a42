#include "forward/module_routes.hpp"

#include <kernel/router.hpp>

#include <array>
#include <utility>

namespace mart::forward {
namespace {

constexpr std::array<std::pair<std::string_view, std::string_view>, 7> kPrefixes = {{
    {"/api/v1/products", "products"},
    {"/api/v1/inventory", "inventory"},
    {"/api/v1/orders", "orders"},
    {"/api/v1/payments", "payments"},
    {"/api/v1/notifications", "notifications"},
    {"/api/v1/users", "users"},
    {"/api/v1/auth", "users"},
}};

}  // namespace

std::optional<std::string_view> module_for_path(std::string_view path) {
  // Another spelling of a module's path is never forwarded: it is answered 404 here.
  if (!kernel::is_canonical_path(path)) return std::nullopt;
  for (const auto& [prefix, module] : kPrefixes) {
    if (path.starts_with(prefix) && (path.size() == prefix.size() || path[prefix.size()] == '/')) {
      return module;
    }
  }
  return std::nullopt;
}

}  // namespace mart::forward
