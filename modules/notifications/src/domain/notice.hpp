#pragma once
// The rules of what each order and payment event tells its user: the sentence and the identity
// of the fact, so the same fact is never told twice.

#include "domain/notification.hpp"

#include <orders/events.hpp>
#include <payments/events.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace notifications {

// `envelope_id` is the bus id of the event; it identifies the fact only when the event lacks the
// id of the thing it happened to.
Notice notice_of(const orders::events::OrderPlaced& event, std::string_view envelope_id);
Notice notice_of(const orders::events::OrderConfirmed& event, std::string_view envelope_id);
Notice notice_of(const orders::events::OrderCancelled& event, std::string_view envelope_id);
Notice notice_of(const orders::events::OrderShipped& event, std::string_view envelope_id);
Notice notice_of(const payments::events::PaymentFailed& event, std::string_view envelope_id);
Notice notice_of(const payments::events::PaymentRefunded& event, std::string_view envelope_id);

// "45.00 USD", "1200 JPY": integer minor units with the currency's number of decimals.
std::string format_money(std::int64_t minor_units, std::string_view currency);

}  // namespace notifications
