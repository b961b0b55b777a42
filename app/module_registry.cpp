#include "module_registry.hpp"

#include <products/module.hpp>
#include <users/module.hpp>

namespace mart {

const std::vector<ModuleEntry>& available_modules() {
  static const std::vector<ModuleEntry> modules = {
      {"users",
       [](eventbus::ModuleBus& bus, const HostContext& host) -> std::unique_ptr<kernel::Module> {
         return users::make_module(bus, {host.tokens, host.token_ttl});
       }},
      {"products",
       [](eventbus::ModuleBus& bus, const HostContext&) { return products::make_module(bus); }},
  };
  return modules;
}

const ModuleEntry* find_module(std::string_view name) {
  for (const auto& entry : available_modules()) {
    if (entry.name == name) return &entry;
  }
  return nullptr;
}

}  // namespace mart
