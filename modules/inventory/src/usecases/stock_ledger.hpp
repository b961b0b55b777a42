#pragma once
// Stock levels as admins and shoppers see them: read a product's levels, adjust them (restock,
// write-off), list the adjustments. Each change commits with its adjustment row and its
// StockLevelChanged event (always, unlike the order flow's moves: see publish_levels_if_flipped).

#include "domain/stock_levels.hpp"

#include <eventbus/bus.hpp>

#include <exception>
#include <functional>
#include <optional>

#include <string>
#include <vector>

namespace inventory {

struct AdjustmentPage {
  std::vector<AdjustmentRecord> items;
  std::optional<std::int64_t> next_after;  // keyset position for the next page
};

class StockLedger {
 public:
  explicit StockLedger(eventbus::ModuleBus& bus) : bus_(bus) {}

  // 404 for a product inventory does not know.
  StockLevels get(std::int64_t product_id);
  // 422 invalid fields, 404 unknown product, 409 when available would go below zero (or the
  // product's stock above kMaxStock).
  StockLevels adjust(std::int64_t product_id, const AdjustmentInput& input,
                     const eventbus::Trace& trace);
  // The same on the module's request writer, for a request handler that answers later (no I/O
  // thread waits for the write lock, ADR 0013). The handler checks the input first, at once
  // (check: 422); then done(levels, nullptr) after the commit, or done(nullopt, error) with the
  // 404/409 or failure.
  using AdjustDone = std::function<void(std::optional<StockLevels>, std::exception_ptr)>;
  static Adjustment check(const AdjustmentInput& input);
  void adjust_queued(std::int64_t product_id, Adjustment adjustment, eventbus::Trace trace,
                     AdjustDone done);
  // 404 for a product inventory does not know.
  AdjustmentPage adjustments(std::int64_t product_id, std::int64_t after, int limit);

  // Reaction to a new product: its stock starts at zero. A repeat leaves the stock as it is.
  static void open_stock(kernel::Connection& c, std::int64_t product_id, const std::string& at);

 private:
  eventbus::ModuleBus& bus_;
};

// Publishes StockLevelChanged carrying `levels`, in the transaction that changed them.
void publish_levels(eventbus::Tx& tx, const StockLevels& levels);
// The same for a move of the order flow (reserve, commit, release, give back), but only when it
// took the product in or out of stock (`available` crossed zero): the one fact StockLevelChanged's
// consumer (products' in_stock) depends on. A commit never changes `available`, so never publishes.
void publish_levels_if_flipped(eventbus::Tx& tx, bool was_in_stock, const StockLevels& levels);

}  // namespace inventory
