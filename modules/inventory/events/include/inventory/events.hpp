#pragma once
// Inventory's published language (topic InventoryEvents). Other modules may include this header
// and nothing else of inventory. Reservation events are keyed by order id (they belong to an
// order's flow); stock levels by product id.

#include <boost/describe/class.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace inventory::events {

inline constexpr std::string_view kTopic = "InventoryEvents";

// The stock of one product changed: after every adjustment, and after a reservation, release or
// return of an order's stock only when it took the product in or out of stock (available crossed
// zero); a sale (reserved -> sold) never publishes it. The levels are those after the change.
struct StockLevelChanged {
  static constexpr std::string_view kType = "inventory.stock_level_changed.v1";
  static constexpr std::string_view kTopic = events::kTopic;
  std::int64_t product_id = 0;
  std::int64_t available = 0;
  std::int64_t reserved = 0;
  std::int64_t sold = 0;
  std::string key() const { return std::to_string(product_id); }
};
BOOST_DESCRIBE_STRUCT(StockLevelChanged, (), (product_id, available, reserved, sold))

struct ReservedLine {
  std::int64_t product_id = 0;
  std::int64_t quantity = 0;
};
BOOST_DESCRIBE_STRUCT(ReservedLine, (), (product_id, quantity))

// Every line of the order is held; nothing was held if any line was short.
struct StockReserved {
  static constexpr std::string_view kType = "inventory.stock_reserved.v1";
  static constexpr std::string_view kTopic = events::kTopic;
  std::int64_t order_id = 0;
  std::vector<ReservedLine> lines;
  std::string key() const { return std::to_string(order_id); }
};
BOOST_DESCRIBE_STRUCT(StockReserved, (), (order_id, lines))

struct ShortLine {
  std::int64_t product_id = 0;
  std::int64_t requested = 0;
  std::int64_t available = 0;  // 0 also for a product inventory does not know
};
BOOST_DESCRIBE_STRUCT(ShortLine, (), (product_id, requested, available))

struct StockReservationFailed {
  static constexpr std::string_view kType = "inventory.stock_reservation_failed.v1";
  static constexpr std::string_view kTopic = events::kTopic;
  std::int64_t order_id = 0;
  std::vector<ShortLine> short_lines;
  std::string key() const { return std::to_string(order_id); }
};
BOOST_DESCRIBE_STRUCT(StockReservationFailed, (), (order_id, short_lines))

// The order's held (or, for a cancelled confirmed order, sold) stock is available again.
struct StockReleased {
  static constexpr std::string_view kType = "inventory.stock_released.v1";
  static constexpr std::string_view kTopic = events::kTopic;
  std::int64_t order_id = 0;
  std::vector<ReservedLine> lines;
  std::string key() const { return std::to_string(order_id); }
};
BOOST_DESCRIBE_STRUCT(StockReleased, (), (order_id, lines))

// The order's held stock was sold (its payment succeeded).
struct StockCommitted {
  static constexpr std::string_view kType = "inventory.stock_committed.v1";
  static constexpr std::string_view kTopic = events::kTopic;
  std::int64_t order_id = 0;
  std::vector<ReservedLine> lines;
  std::string key() const { return std::to_string(order_id); }
};
BOOST_DESCRIBE_STRUCT(StockCommitted, (), (order_id, lines))

}  // namespace inventory::events
