#include "usecases/ordering.hpp"

#include "domain/order_json.hpp"

#include "store/order_store.hpp"

#include <orders/events.hpp>

#include <kernel/problem.hpp>
#include <kernel/sealed_text.hpp>
#include <kernel/text.hpp>
#include <kernel/time.hpp>

#include <future>

namespace orders {
namespace {

constexpr std::int64_t kMaxTotalCents = 1'000'000'000'000'000;

kernel::ApiError not_found(std::int64_t id) {
  return kernel::ApiError::not_found("Order " + std::to_string(id) + " not found.");
}

bool visible_to(const Order& order, const kernel::Principal& caller) {
  return caller.is_admin() || order.user_id == caller.user_id;
}

events::OrderPlaced placed_event(const Order& o) {
  events::OrderPlaced e{o.id, o.user_id, {}, o.total_cents, o.currency, o.shipping_address};
  for (const auto& line : o.lines) {
    e.lines.push_back({line.product_id, line.quantity, line.unit_price_cents});
  }
  return e;
}

// Prices the items from the catalogue copy; throws a 422 naming each bad item.
Order priced_order(kernel::Connection& c, std::int64_t user_id, const PlaceOrder& input) {
  kernel::FieldErrors errors;
  if (input.items.empty()) errors["items"] = "must list at least one item";
  if (input.items.size() > kMaxLines) errors["items"] = "must list at most 100 items";
  if (input.payment_token.empty()) errors["payment_token"] = "is required";
  if (kernel::utf8_length(input.shipping_address) > kMaxShippingAddress) {
    errors["shipping_address"] =
        "must be at most " + std::to_string(kMaxShippingAddress) + " characters";
  }
  Order order;
  order.user_id = user_id;
  order.shipping_address = input.shipping_address;
  for (std::size_t i = 0; i < input.items.size() && i < kMaxLines; ++i) {
    const auto& item = input.items[i];
    auto field = "items[" + std::to_string(i) + "]";
    if (item.quantity < 1 || item.quantity > kMaxQuantity) {
      errors[field + ".quantity"] = "must be an integer from 1 to 10000";
      continue;
    }
    auto product = store::find_product(c, item.product_id);
    if (!product || product->deleted) {
      errors[field + ".product_id"] = "is not a product that can be ordered";
      continue;
    }
    if (order.currency.empty()) order.currency = product->currency;
    if (product->currency != order.currency) {
      errors[field + ".product_id"] = "is priced in another currency than the other items";
      continue;
    }
    order.lines.push_back({item.product_id, item.quantity, product->price_cents});
    order.total_cents += item.quantity * product->price_cents;
    if (order.total_cents > kMaxTotalCents) errors["items"] = "add up to too large a total";
  }
  if (!errors.empty()) throw kernel::ApiError::invalid_fields(errors);
  // Sealed before it goes anywhere: the orders database never holds it in the clear.
  order.payment_token = kernel::sealed_text::seal(input.payment_token);
  return order;
}

}  // namespace

Placed Ordering::place(std::int64_t user_id, const PlaceOrder& input,
                       const std::optional<IdempotencyKey>& key, const eventbus::Trace& trace) {
  std::promise<Placed> promise;
  auto placed = promise.get_future();
  place_queued(user_id, input, key, trace,
               [&promise](std::optional<Placed> result, const std::exception_ptr& error) {
                 if (error) return promise.set_exception(error);
                 promise.set_value(std::move(*result));
               });
  return placed.get();
}

void Ordering::place_queued(std::int64_t user_id, PlaceOrder input,
                            std::optional<IdempotencyKey> key, eventbus::Trace trace,
                            PlaceDone done) {
  auto write = [this, user_id, input = std::move(input),
                key = std::move(key)](eventbus::Tx& tx) -> Placed {
    if (key) {
      if (auto seen = store::find_key(tx.db(), user_id, key->key)) {
        if (seen->request_hash != key->request_hash) {
          throw kernel::ApiError::conflict(
              "This Idempotency-Key was used with a different request body.");
        }
        return {*store::find(tx.db(), seen->order_id), seen->response_body};
      }
    }
    auto order = priced_order(tx.db(), user_id, input);
    auto now = bus_.clock().now();
    order.created_at = order.updated_at = kernel::format_rfc3339(now);
    order.id = store::insert(tx.db(), order, kernel::to_unix_millis(now));
    if (options_.order_placed_version == 1) {
      tx.publish(events::downcast(placed_event(order)));
    } else {
      tx.publish(placed_event(order));
    }
    tx.decided("order " + std::to_string(order.id) +
                   " placed: " + std::to_string(order.lines.size()) + " line(s), " +
                   std::to_string(order.total_cents) + " cents (" + order.currency + ")",
               order.id);
    if (key) {
      store::insert_key(tx.db(), user_id, key->key,
                        {key->request_hash, order.id, order_document(order)}, order.created_at);
    }
    return {order, std::nullopt};
  };
  bus_.transact_queued(std::move(trace), std::move(write), std::move(done));
}

Order Ordering::get(std::int64_t id, const kernel::Principal& caller) {
  auto order = bus_.db().read([&](kernel::Connection& c) { return store::find(c, id); });
  if (!order || !visible_to(*order, caller)) throw not_found(id);
  return *order;
}

OrderPage Ordering::list(const kernel::Principal& caller, std::optional<Status> status,
                         std::optional<std::int64_t> before, int limit) {
  store::PageQuery query;
  if (!caller.is_admin()) query.user_id = caller.user_id;
  query.status = status;
  query.before = before;
  query.limit = limit + 1;
  OrderPage page;
  page.items = bus_.db().read([&](kernel::Connection& c) { return store::page(c, query); });
  if (static_cast<int>(page.items.size()) > limit) {
    page.items.resize(static_cast<std::size_t>(limit));
    page.next_before = page.items.back().id;
  }
  return page;
}

Order Ordering::cancel(std::int64_t id, const kernel::Principal& caller,
                       const eventbus::Trace& trace) {
  return bus_.transact(trace, [&](eventbus::Tx& tx) { return cancel_in(tx, id, caller); });
}

void Ordering::cancel_queued(std::int64_t id, kernel::Principal caller, eventbus::Trace trace,
                             OrderDone done) {
  bus_.transact_queued(
      std::move(trace), [this, id, caller](eventbus::Tx& tx) { return cancel_in(tx, id, caller); },
      std::move(done));
}

Order Ordering::ship(std::int64_t id, const eventbus::Trace& trace) {
  return bus_.transact(trace, [&](eventbus::Tx& tx) { return ship_in(tx, id); });
}

void Ordering::ship_queued(std::int64_t id, eventbus::Trace trace, OrderDone done) {
  bus_.transact_queued(
      std::move(trace), [this, id](eventbus::Tx& tx) { return ship_in(tx, id); }, std::move(done));
}

Order Ordering::cancel_in(eventbus::Tx& tx, std::int64_t id, const kernel::Principal& caller) {
  {
    auto order = store::find(tx.db(), id);
    if (!order || !visible_to(*order, caller)) throw not_found(id);
    if (!can_cancel(order->status)) {
      throw kernel::ApiError::conflict("Order " + std::to_string(id) + " is " +
                                       std::string(status_name(order->status)) +
                                       " and can no longer be cancelled.");
    }
    auto previous = order->status;
    auto now = bus_.clock().now();
    order->status = Status::cancelled;
    order->cancel_reason = "customer_request";
    order->updated_at = kernel::format_rfc3339(now);
    store::set_status(tx.db(), id, order->status, order->cancel_reason, order->updated_at,
                      kernel::to_unix_millis(now));
    tx.publish(events::OrderCancelled{id, order->user_id, "customer_request",
                                      std::string(status_name(previous))});
    tx.decided("order " + std::to_string(id) + " cancelled at the customer's request (was " +
                   std::string(status_name(previous)) + ")",
               id);
    return *order;
  }
}

Order Ordering::ship_in(eventbus::Tx& tx, std::int64_t id) {
  {
    auto order = store::find(tx.db(), id);
    if (!order) throw not_found(id);
    if (order->status != Status::confirmed) {
      throw kernel::ApiError::conflict("Order " + std::to_string(id) + " is " +
                                       std::string(status_name(order->status)) +
                                       "; only confirmed orders can be shipped.");
    }
    auto now = bus_.clock().now();
    order->status = Status::shipped;
    order->updated_at = kernel::format_rfc3339(now);
    store::set_status(tx.db(), id, order->status, std::nullopt, order->updated_at,
                      kernel::to_unix_millis(now));
    tx.publish(events::OrderShipped{id, order->user_id});
    tx.decided("order " + std::to_string(id) + " shipped", id);
    return *order;
  }
}

std::vector<eventbus::TimelineEntry> Ordering::timeline(std::int64_t id,
                                                        const kernel::Principal& caller) {
  get(id, caller);  // 404 unless visible
  return bus_.events_for_key(std::to_string(id), {"orders", "inventory", "payments"},
                             [](std::string_view type) {
                               // Reservation events are keyed by order; stock levels by product.
                               return type != "inventory.stock_level_changed.v1";
                             });
}

std::vector<std::pair<std::string, std::int64_t>> Ordering::orders_by_status() {
  auto counts = bus_.db().read([](kernel::Connection& c) { return store::count_by_status(c); });
  std::vector<std::pair<std::string, std::int64_t>> out;
  for (auto status :
       {Status::pending, Status::reserved, Status::confirmed, Status::shipped, Status::cancelled}) {
    auto name = std::string(status_name(status));
    auto it = counts.find(name);
    out.emplace_back(name, it == counts.end() ? 0 : it->second);
  }
  return out;
}

std::int64_t Ordering::stuck_orders() {
  auto threshold =
      kernel::to_unix_millis(bus_.clock().now()) -
      std::chrono::duration_cast<std::chrono::milliseconds>(options_.stuck_after).count();
  return bus_.db().read([&](kernel::Connection& c) { return store::count_stuck(c, threshold); });
}

}  // namespace orders
