#pragma once
// The modules this build can host, by name, in the order of modules/modules.cmake (start-up
// order). The composition root is the only place that knows every module's entry point.

#include <eventbus/bus.hpp>
#include <kernel/jwt.hpp>
#include <kernel/module.hpp>
#include <notifications/module.hpp>

#include <chrono>

#include <memory>
#include <string>
#include <vector>

namespace mart {

// What the composition root hands to module factories besides their bus.
struct HostContext {
  const kernel::JwtCodec* tokens = nullptr;
  std::chrono::seconds token_ttl{3600};
  std::chrono::seconds stuck_after{60};
  int order_placed_version = 2;  // 1 while `events.publish_versions` pins orders.order_placed.v1
  std::chrono::milliseconds payments_latency{0};
  std::chrono::seconds payments_retry_max_backoff{60};
  std::chrono::seconds payments_retry_for{3600};
  std::shared_ptr<notifications::Channel> notification_channel;  // null: log
  std::chrono::seconds webhook_retry_max_backoff{60};
  std::chrono::seconds webhook_retry_for{3600};
  std::size_t users_hash_queue = 32;
};

struct ModuleEntry {
  std::string name;
  std::unique_ptr<kernel::Module> (*make)(eventbus::ModuleBus&, const HostContext&) = nullptr;
};

const std::vector<ModuleEntry>& available_modules();
const ModuleEntry* find_module(std::string_view name);

}  // namespace mart
