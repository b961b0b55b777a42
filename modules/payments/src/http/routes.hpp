#pragma once
// /api/v1/payments: JSON in, use case, JSON out.

#include "usecases/payments.hpp"

#include <kernel/router.hpp>

namespace payments::http {

void add_routes(kernel::Router& router, Payments& payments);

}  // namespace payments::http
