#pragma once
// SQL of the reservations and reservation_lines tables. Every function runs on a connection the
// caller holds (inside a transaction for writes).

#include "domain/reservation.hpp"

#include <kernel/database.hpp>

#include <optional>
#include <string>

namespace inventory::store {

// The order's reservation with its lines; absent when inventory has not seen the order.
std::optional<Reservation> find_reservation(kernel::Connection& c, std::int64_t order_id);
void insert_reservation(kernel::Connection& c, const Reservation& reservation,
                        const std::string& at);
// Compare-and-set on the row: true when it was in `from` and is now in `to`.
bool transition(kernel::Connection& c, std::int64_t order_id, ReservationStatus from,
                ReservationStatus to, const std::string& at);

}  // namespace inventory::store
