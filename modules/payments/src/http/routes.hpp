#pragma once
// /api/v1/payments: JSON in, use case, JSON out.

#include "usecases/payments.hpp"

#include <kernel/router.hpp>
#include <kernel/worker_pool.hpp>

namespace payments::http {

// The refund runs on `workers` (it calls the provider, then writes).
void add_routes(kernel::Router& router, Payments& payments, kernel::WorkerPool& workers);

}  // namespace payments::http
