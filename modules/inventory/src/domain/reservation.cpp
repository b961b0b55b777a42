#include "domain/reservation.hpp"

#include <algorithm>
#include <array>
#include <stdexcept>
#include <utility>

namespace inventory {
namespace {

constexpr std::array<std::pair<ReservationStatus, std::string_view>, 6> kNames{{
    {ReservationStatus::held, "held"},
    {ReservationStatus::committed, "committed"},
    {ReservationStatus::released, "released"},
    {ReservationStatus::returned, "returned"},
    {ReservationStatus::failed, "failed"},
    {ReservationStatus::voided, "voided"},
}};

}  // namespace

std::string_view status_name(ReservationStatus status) {
  for (const auto& [value, name] : kNames) {
    if (value == status) return name;
  }
  throw std::logic_error("unnamed reservation status");
}

std::optional<ReservationStatus> parse_status(std::string_view text) {
  for (const auto& [value, name] : kNames) {
    if (name == text) return value;
  }
  return std::nullopt;
}

std::vector<Line> merge_lines(const std::vector<Line>& lines) {
  constexpr std::int64_t kCap = kMaxStock + 1;
  std::vector<Line> merged;
  for (const auto& line : lines) {
    auto it = std::find_if(merged.begin(), merged.end(),
                           [&](const Line& m) { return m.product_id == line.product_id; });
    if (it == merged.end()) {
      merged.push_back({line.product_id, std::min(line.quantity, kCap)});
    } else if (it->quantity < 1) {
      // Already invalid: stays as first seen.
    } else if (line.quantity < 1) {
      it->quantity = line.quantity;
    } else {
      // Both in [1, kCap]: the sum cannot overflow.
      it->quantity = std::min(it->quantity + std::min(line.quantity, kCap), kCap);
    }
  }
  return merged;
}

std::vector<ShortLine> find_short_lines(const std::vector<Line>& lines,
                                        const std::vector<std::optional<StockLevels>>& stock) {
  if (stock.size() != lines.size()) throw std::logic_error("find_short_lines: sizes differ");
  std::vector<ShortLine> out;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    std::int64_t available = stock[i] ? stock[i]->available : 0;
    if (lines[i].quantity < 1 || lines[i].quantity > available) {
      out.push_back({lines[i].product_id, lines[i].quantity, available});
    }
  }
  return out;
}

}  // namespace inventory
