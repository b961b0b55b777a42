#pragma once
// SQL of the payments tables. Every function runs on a connection the caller holds (inside a
// transaction for writes).

#include "domain/payment.hpp"

#include <kernel/database.hpp>

#include <optional>
#include <string>
#include <vector>

namespace payments::store {

std::int64_t insert(kernel::Connection& c, const Payment& payment);
std::optional<Payment> find(kernel::Connection& c, std::int64_t id);
std::optional<Payment> find_by_order(kernel::Connection& c, std::int64_t order_id);
void mark_refunded(kernel::Connection& c, std::int64_t id, const std::string& refund_reference,
                   const std::string& at);

// Records that an order was cancelled (again is a no-op).
void mark_order_cancelled(kernel::Connection& c, std::int64_t order_id, const std::string& at);
bool order_cancelled(kernel::Connection& c, std::int64_t order_id);

// Whether an order has a payment, and whether it was cancelled, in one statement (one read
// transaction: each costs a WAL read lock, two system calls, on the charge's hot path).
struct OrderState {
  bool paid = false;
  bool cancelled = false;
};
OrderState order_state(kernel::Connection& c, std::int64_t order_id);

// Keyset page of an order's payments in id order (ids > after, at most limit rows); only
// `user_id`'s unless `any_user`.
std::vector<Payment> page_for_order(kernel::Connection& c, std::int64_t order_id,
                                    std::int64_t user_id, bool any_user, std::int64_t after,
                                    int limit);

}  // namespace payments::store
