#pragma once
// What customers and admins do with orders: place (with Idempotency-Key), read, list, cancel,
// ship, follow the timeline.

#include "domain/order.hpp"

#include <orders/module.hpp>

#include <kernel/auth.hpp>

#include <exception>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace orders {

struct PlaceItem {
  std::int64_t product_id = 0;
  std::int64_t quantity = 0;
};

struct PlaceOrder {
  std::vector<PlaceItem> items;
  std::string payment_token;     // in the clear, as the client sent it; sealed when placed
  std::string shipping_address;  // "" when not given
};

struct IdempotencyKey {
  std::string key;
  std::string request_hash;  // of the canonical request body
};

struct Placed {
  Order order;
  std::optional<std::string> replayed_body;  // set when the key was used before with this body
};

struct OrderPage {
  std::vector<Order> items;
  std::optional<std::int64_t> next_before;
};

class Ordering {
 public:
  Ordering(eventbus::ModuleBus& bus, OrdersOptions options) : bus_(bus), options_(options) {}

  // 422 for empty items, a bad quantity, an unknown or deleted product, mixed currencies;
  // 409 when the key was used with another body. The answer kept for the key is the order's
  // JSON document as placed (order_document), replayed byte for byte.
  // Waits for place_queued(): never call it on the orders request writer or while holding the
  // orders write lock (it would wait for itself). The HTTP route uses place_queued().
  Placed place(std::int64_t user_id, const PlaceOrder& input,
               const std::optional<IdempotencyKey>& key, const eventbus::Trace& trace);
  // place() without waiting: the order is written by the orders database's request writer,
  // together with the other orders queued meanwhile (one commit for all of them); `done` is
  // called on that thread after the commit with the placed order, or with the error (an
  // ApiError for the cases above).
  using PlaceDone = std::function<void(std::optional<Placed>, std::exception_ptr)>;
  void place_queued(std::int64_t user_id, PlaceOrder input, std::optional<IdempotencyKey> key,
                    eventbus::Trace trace, PlaceDone done);
  // 404 unless the caller owns the order or is an admin.
  Order get(std::int64_t id, const kernel::Principal& caller);
  OrderPage list(const kernel::Principal& caller, std::optional<Status> status,
                 std::optional<std::int64_t> before, int limit);
  // 409 when already shipped or cancelled.
  Order cancel(std::int64_t id, const kernel::Principal& caller, const eventbus::Trace& trace);
  // 409 unless confirmed.
  Order ship(std::int64_t id, const eventbus::Trace& trace);
  // cancel() and ship() without waiting: written by the orders database's request writer;
  // `done` is called on that thread after the commit with the order, or with the error.
  using OrderDone = std::function<void(std::optional<Order>, std::exception_ptr)>;
  void cancel_queued(std::int64_t id, kernel::Principal caller, eventbus::Trace trace,
                     OrderDone done);
  void ship_queued(std::int64_t id, eventbus::Trace trace, OrderDone done);
  std::vector<eventbus::TimelineEntry> timeline(std::int64_t id, const kernel::Principal& caller);
  std::int64_t stuck_orders();
  // Orders per status, every status present (0 when it has none).
  std::vector<std::pair<std::string, std::int64_t>> orders_by_status();

 private:
  Order cancel_in(eventbus::Tx& tx, std::int64_t id, const kernel::Principal& caller);
  Order ship_in(eventbus::Tx& tx, std::int64_t id);

  eventbus::ModuleBus& bus_;
  OrdersOptions options_;
};

}  // namespace orders
