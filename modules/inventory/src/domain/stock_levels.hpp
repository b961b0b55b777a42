#pragma once
// A product's stock and the moves between its columns, without I/O. Only an adjustment changes
// available + reserved + sold (and only through `available`); every other move shifts units
// between two columns, so the sum always equals the sum of the adjustments.

#include <kernel/problem.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace inventory {

struct StockLevels {
  std::int64_t product_id = 0;
  std::int64_t available = 0;
  std::int64_t reserved = 0;
  std::int64_t sold = 0;

  std::int64_t total() const { return available + reserved + sold; }
  // Whether the product can be ordered (products' in_stock).
  bool in_stock() const { return available > 0; }
  bool operator==(const StockLevels&) const = default;
};

// Bounds that keep every sum of quantities far from int64 overflow.
inline constexpr std::int64_t kMaxDelta = 1'000'000'000;
inline constexpr std::int64_t kMaxStock = 1'000'000'000'000;  // one product, all columns
inline constexpr std::size_t kMaxReasonLength = 200;
inline constexpr std::string_view kDefaultReason = "restock";

// An admin's adjustment as received; absent fields are nullopt.
struct AdjustmentInput {
  std::optional<std::int64_t> delta;
  std::optional<std::string> reason;
};

struct Adjustment {
  std::int64_t delta = 0;
  std::string reason;
};

// An adjustment as recorded.
struct AdjustmentRecord {
  std::int64_t id = 0;
  std::int64_t product_id = 0;
  std::int64_t delta = 0;
  std::string reason;
  std::string at;
};

// Adds a message per invalid field to `errors`; the reason is trimmed and defaults to "restock".
Adjustment validate(const AdjustmentInput& input, kernel::FieldErrors& errors);

enum class AdjustOutcome { applied, below_zero, above_max };

// Adds `delta` to `available` unless that would make it negative or the total exceed kMaxStock
// (then `levels` is unchanged).
AdjustOutcome adjust(StockLevels& levels, std::int64_t delta);

// A reservation's moves. Each throws std::logic_error when its source column holds less than
// `quantity`: the tables would then contradict the reservations, and a handler must fail (and be
// retried, then dead-lettered) rather than write a negative level.
void reserve(StockLevels& levels, std::int64_t quantity);    // available -> reserved
void commit(StockLevels& levels, std::int64_t quantity);     // reserved -> sold
void release(StockLevels& levels, std::int64_t quantity);    // reserved -> available
void give_back(StockLevels& levels, std::int64_t quantity);  // sold -> available

}  // namespace inventory
