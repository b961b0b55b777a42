#include "module_registry.hpp"

#include <products/module.hpp>

namespace mart {

const std::vector<ModuleEntry>& available_modules() {
  static const std::vector<ModuleEntry> modules = {
      {"products", [](eventbus::ModuleBus& bus) { return products::make_module(bus); }},
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
