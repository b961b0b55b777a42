#include "module_registry.hpp"

#include <inventory/module.hpp>
#include <notifications/module.hpp>
#include <orders/module.hpp>
#include <payments/module.hpp>
#include <payments/simulated_provider.hpp>
#include <products/module.hpp>
#include <users/module.hpp>

namespace mart {

const std::vector<ModuleEntry>& available_modules() {
  static const std::vector<ModuleEntry> modules = {
      {"users",
       [](eventbus::ModuleBus& bus, const HostContext& host) -> std::unique_ptr<kernel::Module> {
         return users::make_module(bus, {host.tokens, host.token_ttl, host.users_hash_queue});
       }},
      {"products",
       [](eventbus::ModuleBus& bus, const HostContext&) { return products::make_module(bus); }},
      {"inventory",
       [](eventbus::ModuleBus& bus, const HostContext&) { return inventory::make_module(bus); }},
      {"orders",
       [](eventbus::ModuleBus& bus, const HostContext& host) {
         return orders::make_module(bus, {host.stuck_after});
       }},
      {"payments",
       [](eventbus::ModuleBus& bus, const HostContext& host) {
         return payments::make_module(
             bus, std::make_shared<payments::SimulatedProvider>(host.payments_latency),
             {host.payments_retry_max_backoff, host.payments_retry_for});
       }},
      {"notifications",
       [](eventbus::ModuleBus& bus, const HostContext& host) {
         return notifications::make_module(
             bus, host.notification_channel,
             {host.webhook_retry_max_backoff, host.webhook_retry_for});
       }},
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
