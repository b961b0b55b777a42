#pragma once
// How Orders drives the flow: its reactions to inventory and payment outcomes. Each one checks
// the order's status first, so a late or repeated outcome changes nothing.

#include <eventbus/tx.hpp>
#include <kernel/time.hpp>

#include <cstdint>

namespace orders::flow {

// pending -> reserved, and ask payments for the total.
void stock_reserved(eventbus::Tx& tx, const kernel::Clock& clock, std::int64_t order_id);
// pending -> cancelled (out_of_stock).
void reservation_failed(eventbus::Tx& tx, const kernel::Clock& clock, std::int64_t order_id);
// reserved -> confirmed when the amount is the order's total.
void payment_succeeded(eventbus::Tx& tx, const kernel::Clock& clock, std::int64_t order_id,
                       std::int64_t amount_cents);
// reserved -> cancelled (payment_declined).
void payment_failed(eventbus::Tx& tx, const kernel::Clock& clock, std::int64_t order_id);
// A refund of a confirmed order (by an admin) cancels it, so no confirmed order lacks a payment.
void payment_refunded(eventbus::Tx& tx, const kernel::Clock& clock, std::int64_t order_id);

}  // namespace orders::flow
