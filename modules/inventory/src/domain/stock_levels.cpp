#include "domain/stock_levels.hpp"

#include <kernel/text.hpp>

#include <stdexcept>

namespace inventory {
namespace {

void move(std::int64_t& from, std::int64_t& to, std::int64_t quantity, const StockLevels& levels,
          const char* what) {
  if (quantity <= 0 || from < quantity) {
    throw std::logic_error(std::string("cannot ") + what + " " + std::to_string(quantity) +
                           " of product " + std::to_string(levels.product_id) + " (available " +
                           std::to_string(levels.available) + ", reserved " +
                           std::to_string(levels.reserved) + ", sold " +
                           std::to_string(levels.sold) + ")");
  }
  from -= quantity;
  to += quantity;
}

}  // namespace

Adjustment validate(const AdjustmentInput& input, kernel::FieldErrors& errors) {
  Adjustment out;
  if (!input.delta) {
    errors["delta"] = "is required";
  } else if (*input.delta == 0) {
    errors["delta"] = "must not be zero";
  } else if (*input.delta > kMaxDelta || *input.delta < -kMaxDelta) {
    errors["delta"] = "must be between -1000000000 and 1000000000";
  } else {
    out.delta = *input.delta;
  }
  out.reason = input.reason ? kernel::trim(*input.reason) : std::string(kDefaultReason);
  if (out.reason.empty()) {
    errors["reason"] = "must not be empty";
  } else if (kernel::utf8_length(out.reason) > kMaxReasonLength) {
    errors["reason"] = "must be at most 200 characters";
  }
  return out;
}

AdjustOutcome adjust(StockLevels& levels, std::int64_t delta) {
  // |delta| <= kMaxDelta and every column <= kMaxStock, so these sums cannot overflow.
  if (levels.available + delta < 0) return AdjustOutcome::below_zero;
  if (levels.total() + delta > kMaxStock) return AdjustOutcome::above_max;
  levels.available += delta;
  return AdjustOutcome::applied;
}

void reserve(StockLevels& levels, std::int64_t quantity) {
  move(levels.available, levels.reserved, quantity, levels, "reserve");
}

void commit(StockLevels& levels, std::int64_t quantity) {
  move(levels.reserved, levels.sold, quantity, levels, "commit");
}

void release(StockLevels& levels, std::int64_t quantity) {
  move(levels.reserved, levels.available, quantity, levels, "release");
}

void give_back(StockLevels& levels, std::int64_t quantity) {
  move(levels.sold, levels.available, quantity, levels, "give back");
}

}  // namespace inventory
