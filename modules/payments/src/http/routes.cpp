#include "http/routes.hpp"

#include <eventbus/request_trace.hpp>
#include <kernel/pagination.hpp>
#include <kernel/problem.hpp>

#include <boost/json/object.hpp>

#include <charconv>

namespace payments::http {
namespace {

constexpr std::string_view kBase = "/api/v1/payments";

boost::json::object to_json(const Payment& p) {
  boost::json::object o;
  o["id"] = p.id;
  o["order_id"] = p.order_id;
  o["user_id"] = p.user_id;
  o["amount_cents"] = p.amount_cents;
  o["currency"] = p.currency;
  o["status"] = status_name(p.status);
  if (p.failure_reason.empty()) {
    o["failure_reason"] = nullptr;
  } else {
    o["failure_reason"] = p.failure_reason;
  }
  o["created_at"] = p.created_at;
  o["updated_at"] = p.updated_at;
  return o;
}

std::optional<std::int64_t> positive_integer(std::string_view text) {
  std::int64_t value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size() || value <= 0) return std::nullopt;
  return value;
}

std::int64_t payment_id(const kernel::Request& request) {
  return request.id_param("id", "Payment");
}

std::int64_t required_order_id(const kernel::Request& request) {
  auto text = request.query_param("order_id");
  if (!text) {
    throw kernel::ApiError::unprocessable("order_id is required.", {{"order_id", "is required"}});
  }
  auto id = positive_integer(*text);
  if (!id) {
    throw kernel::ApiError::unprocessable("order_id must be a positive integer.",
                                          {{"order_id", "must be a positive integer"}});
  }
  return *id;
}

}  // namespace

void add_routes(kernel::Router& router, Payments& payments, kernel::WorkerPool& workers) {
  router.get(
      kBase,
      [&payments](kernel::Request& request) {
        auto order_id = required_order_id(request);
        auto page = kernel::parse_page(request);
        auto result =
            payments.list_for_order(order_id, request.caller(), page.after.value_or(0), page.limit);
        boost::json::array items;
        for (const auto& payment : result.items) items.push_back(to_json(payment));
        return kernel::page_response(std::move(items), result.next_after);
      },
      kernel::Access::user);

  router.get(
      std::string(kBase) + "/{id}",
      [&payments](kernel::Request& request) {
        return kernel::Response::json(200,
                                      to_json(payments.get(payment_id(request), request.caller())));
      },
      kernel::Access::user);

  router.post(
      std::string(kBase) + "/{id}/refund",
      [&payments, &workers](kernel::Request& request) {
        // The provider call and the write run on a worker; this I/O thread serves on meanwhile.
        return workers.answer_later(
            request, [&payments, id = payment_id(request), trace = eventbus::trace_of(request)] {
              return kernel::Response::json(200, to_json(payments.refund(id, trace)));
            });
      },
      kernel::Access::admin);
}

}  // namespace payments::http
