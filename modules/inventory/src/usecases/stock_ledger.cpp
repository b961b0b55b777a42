#include "usecases/stock_ledger.hpp"

#include "store/stock_store.hpp"

#include <inventory/events.hpp>

#include <kernel/pagination.hpp>
#include <kernel/time.hpp>

namespace inventory {
namespace {

kernel::ApiError unknown_product(std::int64_t product_id) {
  return kernel::ApiError::not_found("Inventory has no product " + std::to_string(product_id) +
                                     ".");
}

Adjustment require_valid(const AdjustmentInput& input) {
  kernel::FieldErrors errors;
  auto adjustment = validate(input, errors);
  if (!errors.empty()) throw kernel::ApiError::invalid_fields(errors);
  return adjustment;
}

}  // namespace

StockLevels StockLedger::get(std::int64_t product_id) {
  auto levels =
      bus_.db().read([&](kernel::Connection& c) { return store::find_stock(c, product_id); });
  if (!levels) throw unknown_product(product_id);
  return *levels;
}

namespace {

// The adjustment's transaction, the same for both forms of adjust().
StockLevels apply_adjustment(eventbus::Tx& tx, std::int64_t product_id,
                             const Adjustment& adjustment, const std::string& at) {
  auto levels = store::find_stock(tx.db(), product_id);
  if (!levels) throw unknown_product(product_id);
  switch (inventory::adjust(*levels, adjustment.delta)) {
    case AdjustOutcome::applied:
      break;
    case AdjustOutcome::below_zero:
      throw kernel::ApiError::conflict(
          "Product " + std::to_string(product_id) + " has " + std::to_string(levels->available) +
          " available; an adjustment of " + std::to_string(adjustment.delta) +
          " would make it negative.");
    case AdjustOutcome::above_max:
      throw kernel::ApiError::conflict("Product " + std::to_string(product_id) +
                                       " would hold more than " + std::to_string(kMaxStock) +
                                       " units.");
  }
  store::save_stock(tx.db(), *levels, at);
  store::insert_adjustment(tx.db(), product_id, adjustment, at);
  publish_levels(tx, *levels);
  return *levels;
}

}  // namespace

StockLevels StockLedger::adjust(std::int64_t product_id, const AdjustmentInput& input,
                                const eventbus::Trace& trace) {
  auto adjustment = require_valid(input);
  auto at = kernel::format_rfc3339(bus_.clock().now());
  return bus_.transact(
      trace, [&](eventbus::Tx& tx) { return apply_adjustment(tx, product_id, adjustment, at); });
}

Adjustment StockLedger::check(const AdjustmentInput& input) {
  return require_valid(input);
}

void StockLedger::adjust_queued(std::int64_t product_id, Adjustment adjustment,
                                eventbus::Trace trace, AdjustDone done) {
  auto at = kernel::format_rfc3339(bus_.clock().now());
  bus_.transact_queued(
      std::move(trace),
      [product_id, adjustment = std::move(adjustment), at](eventbus::Tx& tx) {
        return apply_adjustment(tx, product_id, adjustment, at);
      },
      std::move(done));
}

AdjustmentPage StockLedger::adjustments(std::int64_t product_id, std::int64_t after, int limit) {
  AdjustmentPage page;
  bool known = bus_.db().read([&](kernel::Connection& c) {
    if (!store::find_stock(c, product_id)) return false;
    page.items = store::adjustments_page(c, product_id, after, kernel::rows_for_page(limit));
    return true;
  });
  if (!known) throw unknown_product(product_id);
  page.next_after = kernel::take_page(page.items, limit);
  return page;
}

void StockLedger::open_stock(kernel::Connection& c, std::int64_t product_id,
                             const std::string& at) {
  store::insert_stock(c, product_id, at);
}

void publish_levels(eventbus::Tx& tx, const StockLevels& levels) {
  tx.publish(
      events::StockLevelChanged{levels.product_id, levels.available, levels.reserved, levels.sold});
}

void publish_levels_if_flipped(eventbus::Tx& tx, bool was_in_stock, const StockLevels& levels) {
  if (levels.in_stock() != was_in_stock) publish_levels(tx, levels);
}

}  // namespace inventory
