#include "module_registry.hpp"

#include <inventory/module.hpp>
#include <mart/module_list.hpp>
#include <notifications/module.hpp>
#include <orders/module.hpp>
#include <payments/module.hpp>
#include <payments/simulated_provider.hpp>
#include <products/module.hpp>
#include <users/module.hpp>

#include <algorithm>
#include <array>

namespace mart {
namespace {

using Factory = std::unique_ptr<kernel::Module> (*)(eventbus::ModuleBus&, const HostContext&);

struct NamedFactory {
  std::string_view name;
  Factory make;
};

// How the app builds each module: its entry point and the settings it takes. One line per
// module of modules/modules.cmake, in any order (checked below).
constexpr std::array kFactories = {
    NamedFactory{"products",
                 [](eventbus::ModuleBus& bus, const HostContext&)
                     -> std::unique_ptr<kernel::Module> { return products::make_module(bus); }},
    NamedFactory{
        "orders",
        [](eventbus::ModuleBus& bus, const HostContext& host) -> std::unique_ptr<kernel::Module> {
          return orders::make_module(bus, {host.stuck_after, host.order_placed_version});
        }},
    NamedFactory{
        "payments",
        [](eventbus::ModuleBus& bus, const HostContext& host) -> std::unique_ptr<kernel::Module> {
          return payments::make_module(
              bus, std::make_shared<payments::SimulatedProvider>(host.payments_latency),
              {host.payments_retry_max_backoff, host.payments_retry_for});
        }},
    NamedFactory{"inventory",
                 [](eventbus::ModuleBus& bus, const HostContext&)
                     -> std::unique_ptr<kernel::Module> { return inventory::make_module(bus); }},
    NamedFactory{
        "notifications",
        [](eventbus::ModuleBus& bus, const HostContext& host) -> std::unique_ptr<kernel::Module> {
          return notifications::make_module(
              bus, host.notification_channel,
              {host.webhook_retry_max_backoff, host.webhook_retry_for});
        }},
    NamedFactory{
        "users",
        [](eventbus::ModuleBus& bus, const HostContext& host) -> std::unique_ptr<kernel::Module> {
          return users::make_module(bus, {host.tokens, host.token_ttl, host.users_hash_queue});
        }},
};

constexpr bool factories_match_module_list() {
  if (kFactories.size() != kModuleNames.size()) return false;
  return std::all_of(kModuleNames.begin(), kModuleNames.end(), [](std::string_view name) {
    return std::count_if(kFactories.begin(), kFactories.end(),
                         [name](const NamedFactory& f) { return f.name == name; }) == 1;
  });
}
static_assert(factories_match_module_list(),
              "every module of modules/modules.cmake needs exactly one factory here, and no other");

}  // namespace

const std::vector<ModuleEntry>& available_modules() {
  static const std::vector<ModuleEntry> modules = [] {
    std::vector<ModuleEntry> entries;
    for (const auto name : kModuleNames) {
      const auto* factory = std::find_if(kFactories.begin(), kFactories.end(),
                                         [name](const NamedFactory& f) { return f.name == name; });
      entries.push_back({std::string(name), factory->make});
    }
    return entries;
  }();
  return modules;
}

const ModuleEntry* find_module(std::string_view name) {
  for (const auto& entry : available_modules()) {
    if (entry.name == name) return &entry;
  }
  return nullptr;
}

}  // namespace mart
