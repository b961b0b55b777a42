#pragma once
// The loyalty module: points for confirmed orders. What the app calls (one factory).

#include <eventbus/bus.hpp>
#include <kernel/module.hpp>

#include <cstdint>
#include <memory>

namespace loyalty {

// Its settings, filled by the app from the config (docs/extending.md, step 6: a setting).
struct LoyaltyOptions {
  std::int64_t points_per_unit = 1;  // points per whole currency unit of a confirmed order
};

std::unique_ptr<kernel::Module> make_module(eventbus::ModuleBus& bus, LoyaltyOptions options);

}  // namespace loyalty
