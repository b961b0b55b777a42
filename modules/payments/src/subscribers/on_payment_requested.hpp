#pragma once
// Charges an order when orders asks for its payment (orders.payment_requested.v1).

#include "usecases/payments.hpp"

#include <eventbus/bus.hpp>

namespace payments::subscribers {

void subscribe_on_payment_requested(eventbus::ModuleBus& bus, Payments& payments,
                                    eventbus::OutsideRetry retry);

}  // namespace payments::subscribers
