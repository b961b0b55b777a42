#pragma once
// Refunds a paid order when it is cancelled (orders.order_cancelled.v1).

#include "usecases/payments.hpp"

#include <eventbus/bus.hpp>

namespace payments::subscribers {

void subscribe_on_order_cancelled(eventbus::ModuleBus& bus, Payments& payments,
                                  eventbus::OutsideRetry retry);

}  // namespace payments::subscribers
