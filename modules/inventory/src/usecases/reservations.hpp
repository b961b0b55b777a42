#pragma once
// The order flow's side of inventory: hold an order's lines (all or none), sell them when the
// order is paid, put them back when it is cancelled. Each call runs inside the transaction of the
// event handler that calls it, and is a no-op when the reservation is not in the state the event
// expects, so late, repeated or out-of-order events change nothing. StockLevelChanged follows a
// product's move only when the product went in or out of stock (publish_levels_if_flipped).

#include "domain/reservation.hpp"

#include <eventbus/tx.hpp>
#include <kernel/time.hpp>

#include <cstdint>
#include <vector>

namespace inventory {

class Reservations {
 public:
  explicit Reservations(const kernel::Clock& clock) : clock_(clock) {}

  // Holds every line (repeated products summed) and publishes StockReserved, or, when any line
  // is short, changes no stock and publishes StockReservationFailed naming every short line.
  // Nothing when the order already has a reservation (of any status).
  void place(eventbus::Tx& tx, std::int64_t order_id, const std::vector<Line>& lines) const;
  // held -> committed (reserved -> sold), publishes StockCommitted; otherwise nothing.
  void confirm(eventbus::Tx& tx, std::int64_t order_id) const;
  // held -> released (reserved -> available) or committed -> returned (sold -> available), both
  // publishing StockReleased. Without a reservation the order is voided so a late OrderPlaced
  // holds nothing. Otherwise nothing.
  void cancel(eventbus::Tx& tx, std::int64_t order_id) const;

 private:
  std::string now() const { return kernel::format_rfc3339(clock_.now()); }

  const kernel::Clock& clock_;
};

}  // namespace inventory
