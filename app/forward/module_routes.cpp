#include "forward/module_routes.hpp"

#include <kernel/router.hpp>
#include <mart/module_list.hpp>

namespace mart::forward {

std::optional<std::string_view> module_for_path(std::string_view path) {
  // Another spelling of a module's path is never forwarded: it is answered 404 here.
  if (!kernel::is_canonical_path(path)) return std::nullopt;
  for (const auto& [prefix, module] : kModulePaths) {
    if (path.starts_with(prefix) && (path.size() == prefix.size() || path[prefix.size()] == '/')) {
      return module;
    }
  }
  return std::nullopt;
}

}  // namespace mart::forward
