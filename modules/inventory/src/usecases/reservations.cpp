#include "usecases/reservations.hpp"

#include "store/reservation_store.hpp"
#include "store/stock_store.hpp"
#include "usecases/stock_ledger.hpp"

#include <inventory/events.hpp>

#include <stdexcept>

namespace inventory {
namespace {

using Move = void (*)(StockLevels&, std::int64_t);

std::vector<events::ReservedLine> to_event_lines(const std::vector<Line>& lines) {
  std::vector<events::ReservedLine> out;
  out.reserve(lines.size());
  for (const auto& line : lines) out.push_back({line.product_id, line.quantity});
  return out;
}

// Applies `move` to the stock of every line; publishes the new levels of each product that went
// in or out of stock.
void move_lines(eventbus::Tx& tx, const std::vector<Line>& lines, Move move,
                const std::string& at) {
  for (const auto& line : lines) {
    auto levels = store::find_stock(tx.db(), line.product_id);
    if (!levels) {
      // A reservation only ever names products it found stock for: the tables disagree.
      throw std::logic_error("reserved product " + std::to_string(line.product_id) +
                             " has no stock row");
    }
    bool was_in_stock = levels->in_stock();
    move(*levels, line.quantity);
    store::save_stock(tx.db(), *levels, at);
    publish_levels_if_flipped(tx, was_in_stock, *levels);
  }
}

}  // namespace

void Reservations::place(eventbus::Tx& tx, std::int64_t order_id,
                         const std::vector<Line>& lines) const {
  auto& c = tx.db();
  if (store::find_reservation(c, order_id)) return;  // decided before, or voided by a cancel
  auto at = now();
  Reservation reservation{order_id, ReservationStatus::held, merge_lines(lines)};
  std::vector<std::optional<StockLevels>> stock;
  stock.reserve(reservation.lines.size());
  for (const auto& line : reservation.lines) stock.push_back(store::find_stock(c, line.product_id));

  auto short_lines = find_short_lines(reservation.lines, stock);
  if (!short_lines.empty()) {
    reservation.status = ReservationStatus::failed;
    store::insert_reservation(c, reservation, at);
    events::StockReservationFailed failed{order_id, {}};
    for (const auto& s : short_lines) {
      failed.short_lines.push_back({s.product_id, s.requested, s.available});
    }
    tx.publish(failed);
    std::string shortages;
    for (const auto& s : short_lines) {
      shortages += (shortages.empty() ? "" : ", ") + std::string("product ") +
                   std::to_string(s.product_id) + ": " + std::to_string(s.requested) + " wanted, " +
                   std::to_string(s.available) + " available";
    }
    tx.decided("stock refused for order " + std::to_string(order_id) + " (" + shortages + ")",
               order_id);
    return;
  }

  store::insert_reservation(c, reservation, at);
  tx.publish(events::StockReserved{order_id, to_event_lines(reservation.lines)});
  tx.decided("stock reserved for order " + std::to_string(order_id) + ": " +
                 std::to_string(reservation.lines.size()) + " product(s)",
             order_id);
  for (std::size_t i = 0; i < reservation.lines.size(); ++i) {
    bool was_in_stock = stock[i]->in_stock();
    reserve(*stock[i], reservation.lines[i].quantity);
    store::save_stock(c, *stock[i], at);
    publish_levels_if_flipped(tx, was_in_stock, *stock[i]);
  }
}

void Reservations::confirm(eventbus::Tx& tx, std::int64_t order_id) const {
  auto reservation = store::find_reservation(tx.db(), order_id);
  if (!reservation || reservation->status != ReservationStatus::held) return;
  auto at = now();
  if (!store::transition(tx.db(), order_id, ReservationStatus::held, ReservationStatus::committed,
                         at)) {
    return;
  }
  tx.publish(events::StockCommitted{order_id, to_event_lines(reservation->lines)});
  tx.decided("stock of order " + std::to_string(order_id) + " sold (reservation committed)",
             order_id);
  move_lines(tx, reservation->lines, &commit, at);
}

void Reservations::cancel(eventbus::Tx& tx, std::int64_t order_id) const {
  auto at = now();
  auto reservation = store::find_reservation(tx.db(), order_id);
  if (!reservation) {
    store::insert_reservation(tx.db(), {order_id, ReservationStatus::voided, {}}, at);
    return;
  }
  // Held stock goes back to available; so does sold stock of a confirmed (refunded) order.
  Move move = nullptr;
  ReservationStatus to = reservation->status;
  if (reservation->status == ReservationStatus::held) {
    move = &release;
    to = ReservationStatus::released;
  } else if (reservation->status == ReservationStatus::committed) {
    move = &give_back;
    to = ReservationStatus::returned;
  }
  if (!move || !store::transition(tx.db(), order_id, reservation->status, to, at)) return;
  tx.publish(events::StockReleased{order_id, to_event_lines(reservation->lines)});
  tx.decided("stock of order " + std::to_string(order_id) + " released", order_id);
  move_lines(tx, reservation->lines, move, at);
}

}  // namespace inventory
