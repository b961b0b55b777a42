#pragma once
// Every subscriber of loyalty: what the handlers need, one declaration per consumed event (its
// handler is on_<event>.cpp in this folder) and the list module.cpp registers, in order.
// (docs/extending.md, step 3: a subscriber.)

#include <loyalty/module.hpp>

#include <eventbus/bus.hpp>

#include <array>

namespace loyalty::subscribers {

// What the handlers need besides the bus (use cases by reference, options by value).
struct Dependencies {
  LoyaltyOptions options;
};

void on_order_confirmed(eventbus::ModuleBus& bus, const Dependencies& deps);

inline constexpr std::array kAll = {&on_order_confirmed};

}  // namespace loyalty::subscribers
