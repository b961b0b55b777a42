#include "store/reservation_store.hpp"

#include <stdexcept>

namespace inventory::store {
namespace {

constexpr const char* kFindReservation = "SELECT status FROM reservations WHERE order_id = ?";
constexpr const char* kFindLines =
    "SELECT product_id, quantity FROM reservation_lines WHERE order_id = ? ORDER BY position";
constexpr const char* kInsertReservation =
    "INSERT INTO reservations(order_id, status, created_at, updated_at) VALUES (?, ?, ?, ?)";
constexpr const char* kInsertLine =
    "INSERT INTO reservation_lines(order_id, product_id, quantity, position) VALUES (?, ?, ?, ?)";
constexpr const char* kTransition =
    "UPDATE reservations SET status = ?, updated_at = ? WHERE order_id = ? AND status = ?";

}  // namespace

std::optional<Reservation> find_reservation(kernel::Connection& c, std::int64_t order_id) {
  auto& select = c.prepare(kFindReservation);
  select.bind(1, order_id);
  if (!select.executeStep()) return std::nullopt;
  auto text = select.getColumn(0).getString();
  select.reset();
  auto status = parse_status(text);
  if (!status)
    throw std::runtime_error("reservation " + std::to_string(order_id) + " has unknown status '" +
                             text + "'");
  Reservation out{order_id, *status, {}};
  auto& lines = c.prepare(kFindLines);
  lines.bind(1, order_id);
  while (lines.executeStep()) {
    out.lines.push_back({lines.getColumn(0).getInt64(), lines.getColumn(1).getInt64()});
  }
  return out;
}

void insert_reservation(kernel::Connection& c, const Reservation& reservation,
                        const std::string& at) {
  auto& insert = c.prepare(kInsertReservation);
  insert.bind(1, reservation.order_id);
  insert.bind(2, std::string(status_name(reservation.status)));
  insert.bind(3, at);
  insert.bind(4, at);
  insert.exec();
  auto& line = c.prepare(kInsertLine);
  int position = 0;
  for (const auto& l : reservation.lines) {
    line.reset();
    line.clearBindings();
    line.bind(1, reservation.order_id);
    line.bind(2, l.product_id);
    line.bind(3, l.quantity);
    line.bind(4, position++);
    line.exec();
  }
}

bool transition(kernel::Connection& c, std::int64_t order_id, ReservationStatus from,
                ReservationStatus to, const std::string& at) {
  auto& update = c.prepare(kTransition);
  update.bind(1, std::string(status_name(to)));
  update.bind(2, at);
  update.bind(3, order_id);
  update.bind(4, std::string(status_name(from)));
  update.exec();
  return c.changes() == 1;
}

}  // namespace inventory::store
