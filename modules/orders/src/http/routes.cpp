#include "http/routes.hpp"

#include "domain/order_json.hpp"

#include <eventbus/request_trace.hpp>
#include <eventbus/timeline_json.hpp>
#include <kernel/ids.hpp>
#include <kernel/json_body.hpp>
#include <kernel/pagination.hpp>
#include <kernel/problem.hpp>
#include <kernel/time.hpp>

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace orders::http {
namespace {

constexpr std::string_view kBase = "/api/v1/orders";

std::int64_t order_id(const kernel::Request& request) {
  return request.id_param("id", "Order");
}

PlaceOrder read_place_order(const kernel::Request& request, kernel::JsonBody& body) {
  PlaceOrder input;
  const auto* items = body.value("items");
  if (!items) {
    body.fail("items", "is required");
  } else if (!items->is_array()) {
    body.fail("items", "must be an array");
  } else {
    const auto& array = items->get_array();
    for (std::size_t i = 0; i < array.size(); ++i) {
      auto field = "items[" + std::to_string(i) + "]";
      if (!array[i].is_object()) {
        body.fail(field, "must be an object");
        continue;
      }
      kernel::JsonBody item(array[i].get_object());
      auto product_id = item.integer("product_id");
      auto quantity = item.integer("quantity");
      if (!item.has("product_id")) body.fail(field + ".product_id", "is required");
      if (!item.has("quantity")) body.fail(field + ".quantity", "is required");
      if (item.has("product_id") && !product_id)
        body.fail(field + ".product_id", "must be an integer");
      if (item.has("quantity") && !quantity) body.fail(field + ".quantity", "must be an integer");
      input.items.push_back({product_id.value_or(0), quantity.value_or(0)});
    }
  }
  auto token = body.string("payment_token");
  if (!token && !body.has("payment_token")) body.fail("payment_token", "is required");
  input.payment_token = token.value_or("");
  // Optional: where to ship; absent is "" (not given). The account's address is the client's
  // to send (GET /api/v1/users/me): orders keeps no copy of accounts.
  input.shipping_address = body.string("shipping_address").value_or("");
  (void)request;
  return input;
}

std::optional<IdempotencyKey> idempotency_key(const kernel::Request& request) {
  auto header = request.header("Idempotency-Key");
  if (!header) return std::nullopt;
  if (header->empty() || header->size() > 255) {
    throw kernel::ApiError::unprocessable("Idempotency-Key must be 1 to 255 characters.",
                                          {{"Idempotency-Key", "must be 1 to 255 characters"}});
  }
  // The body as JSON, re-serialised: the same document in other white space is the same body.
  auto canonical = boost::json::serialize(boost::json::parse(request.body));
  return IdempotencyKey{std::string(*header), kernel::digest_hex(canonical)};
}

kernel::Response created(const Placed& placed) {
  kernel::Response response;
  response.status = 201;
  response.headers.set("Content-Type", "application/json");
  response.headers.set("Location", std::string(kBase) + "/" + std::to_string(placed.order.id));
  response.body =
      placed.replayed_body ? *placed.replayed_body : boost::json::serialize(to_json(placed.order));
  if (placed.replayed_body) response.headers.set("Idempotent-Replayed", "true");
  return response;
}

// The answer of a queued write of one order: 200 with it, or the error's problem.
Ordering::OrderDone answer_order(kernel::Reply reply, std::string route, std::string request_id) {
  return [reply = std::move(reply), route = std::move(route), request_id = std::move(request_id)](
             std::optional<Order> order, const std::exception_ptr& error) {
    if (error) return reply(kernel::problem_for(error, route, request_id));
    reply(kernel::Response::json(200, to_json(*order)));
  };
}

}  // namespace

void add_routes(kernel::Router& router, Ordering& ordering) {
  router.post(
      kBase,
      [&ordering](kernel::Request& request) {
        auto body = kernel::JsonBody::parse(request);
        auto input = read_place_order(request, body);
        body.finish();
        auto key = idempotency_key(request);
        // Answered once the orders writer has committed the order (with the others queued
        // meanwhile); this I/O thread goes on with other requests until then.
        return kernel::Response::deferred(
            [&ordering, user_id = request.caller().user_id, input = std::move(input),
             key = std::move(key), trace = eventbus::trace_of(request),
             request_id = request.request_id](kernel::Reply reply) mutable {
              // The reply is sent here, on the orders writer's thread after the commit; the
              // session posts it back to the connection's I/O thread.
              ordering.place_queued(
                  user_id, std::move(input), std::move(key), std::move(trace),
                  [reply = std::move(reply), request_id](std::optional<Placed> placed,
                                                         const std::exception_ptr& error) {
                    if (error) return reply(kernel::problem_for(error, kBase, request_id));
                    reply(created(*placed));
                  });
            });
      },
      kernel::Access::user);

  router.get(
      kBase,
      [&ordering](kernel::Request& request) {
        auto page = kernel::parse_page(request);
        std::optional<Status> status;
        if (auto text = request.query_param("status")) {
          status = parse_status(*text);
          if (!status) {
            throw kernel::ApiError::unprocessable(
                "Unknown status.", {{"status",
                                     "must be pending, reserved, confirmed, shipped or "
                                     "cancelled"}});
          }
        }
        auto result = ordering.list(request.caller(), status, page.after, page.limit);
        boost::json::array items;
        for (const auto& order : result.items) items.push_back(to_json(order));
        return kernel::page_response(std::move(items), result.next_before);
      },
      kernel::Access::user);

  router.get(
      std::string(kBase) + "/{id}",
      [&ordering](kernel::Request& request) {
        return kernel::Response::json(200,
                                      to_json(ordering.get(order_id(request), request.caller())));
      },
      kernel::Access::user);

  router.post(
      std::string(kBase) + "/{id}/cancel",
      [&ordering](kernel::Request& request) {
        // Answered once the orders writer has committed (see POST /orders).
        return kernel::Response::deferred(
            [&ordering, id = order_id(request), caller = request.caller(),
             trace = eventbus::trace_of(request), request_id = request.request_id,
             route = request.path](kernel::Reply reply) mutable {
              ordering.cancel_queued(id, caller, std::move(trace),
                                     answer_order(std::move(reply), route, request_id));
            });
      },
      kernel::Access::user);

  router.post(
      std::string(kBase) + "/{id}/ship",
      [&ordering](kernel::Request& request) {
        return kernel::Response::deferred(
            [&ordering, id = order_id(request), trace = eventbus::trace_of(request),
             request_id = request.request_id, route = request.path](kernel::Reply reply) mutable {
              ordering.ship_queued(id, std::move(trace),
                                   answer_order(std::move(reply), route, request_id));
            });
      },
      kernel::Access::admin);

  router.get(
      std::string(kBase) + "/{id}/events",
      [&ordering](kernel::Request& request) {
        boost::json::array events;
        // Card tokens redacted; each delivery with its failed attempts (eventbus/timeline_json).
        for (const auto& entry : ordering.timeline(order_id(request), request.caller())) {
          events.push_back(eventbus::timeline_event_json(entry));
        }
        return kernel::Response::json(200, boost::json::object{{"order_id", order_id(request)},
                                                               {"events", std::move(events)}});
      },
      kernel::Access::user);
}

}  // namespace orders::http
