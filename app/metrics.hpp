#pragma once
// GET /metrics in the Prometheus text exposition format (version 0.0.4). Gauges are computed at
// scrape time from the bus and the modules, so the request path pays nothing for them.

#include <eventbus/bus.hpp>
#include <kernel/module.hpp>
#include <kernel/router.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace mart {

void add_metrics_route(kernel::Router& router, eventbus::Bus& bus,
                       const std::vector<std::unique_ptr<kernel::Module>>& modules,
                       std::chrono::steady_clock::time_point started,
                       std::chrono::milliseconds cache_ttl,
                       std::function<void(std::string&)> more = {});

}  // namespace mart
