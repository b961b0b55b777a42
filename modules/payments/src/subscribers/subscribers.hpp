#pragma once
// Every event Payments reacts to, one file each (on_<event>.cpp), and the list module.cpp
// registers in this order. Both share one subscriber name (order_flow_subscriber.hpp says why).

#include "usecases/payments.hpp"

#include <eventbus/bus.hpp>

#include <array>

namespace payments::subscribers {

// What the handlers need besides the bus.
struct Dependencies {
  Payments& payments;
  eventbus::OutsideRetry retry;  // for the provider's calls
};

// Charges an order when orders asks for its payment (orders.payment_requested.v1).
void on_payment_requested(eventbus::ModuleBus& bus, const Dependencies& deps);
// Refunds a paid order when it is cancelled (orders.order_cancelled.v1).
void on_order_cancelled(eventbus::ModuleBus& bus, const Dependencies& deps);

inline constexpr std::array kAll{&on_payment_requested, &on_order_cancelled};

}  // namespace payments::subscribers
