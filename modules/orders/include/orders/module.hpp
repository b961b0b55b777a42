#pragma once
// The Orders module's entry point: orders and their lines, its copy of the catalogue, and the
// order flow it drives by reacting to inventory and payment events.

#include <eventbus/bus.hpp>
#include <kernel/module.hpp>

#include <chrono>
#include <memory>

namespace orders {

struct OrdersOptions {
  // An order still pending or reserved this long after its last change counts as stuck.
  std::chrono::seconds stuck_after{60};
  // The version of orders.order_placed published: 2 (the latest), or 1 during a rolling upgrade
  // while a consumer that reads only v1 remains (`events.publish_versions`, docs/events.md).
  int order_placed_version = 2;
};

std::unique_ptr<kernel::Module> make_module(eventbus::ModuleBus& bus, OrdersOptions options = {});

}  // namespace orders
