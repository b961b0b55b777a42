#pragma once
// An order's reservation and the rules for holding its lines, without I/O.

#include "domain/stock_levels.hpp"

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace inventory {

struct Line {
  std::int64_t product_id = 0;
  std::int64_t quantity = 0;
  bool operator==(const Line&) const = default;
};

// A line that cannot be held, with what the product had when the order was tried.
struct ShortLine {
  std::int64_t product_id = 0;
  std::int64_t requested = 0;
  std::int64_t available = 0;  // 0 for a product inventory does not know
  bool operator==(const ShortLine&) const = default;
};

// See the reservations table in migrations/inventory for the transitions.
enum class ReservationStatus { held, committed, released, returned, failed, voided };

std::string_view status_name(ReservationStatus status);
std::optional<ReservationStatus> parse_status(std::string_view text);

struct Reservation {
  std::int64_t order_id = 0;
  ReservationStatus status = ReservationStatus::held;
  std::vector<Line> lines;  // one per product, in order of first appearance
};

// One line per product, in order of first appearance, quantities summed (saturating at
// kMaxStock + 1, which no product can hold). A product with any line below 1 keeps that line's
// quantity instead, so the order is refused rather than a bad line silently netted away.
std::vector<Line> merge_lines(const std::vector<Line>& lines);

// The merged lines that cannot be held: quantity below 1, unknown product (stock[i] empty), or
// more than is available. `stock[i]` is the stock of `lines[i].product_id`. Empty: hold them all.
std::vector<ShortLine> find_short_lines(const std::vector<Line>& lines,
                                        const std::vector<std::optional<StockLevels>>& stock);

}  // namespace inventory
