#include "http/routes.hpp"

#include <eventbus/request_trace.hpp>
#include <kernel/json_body.hpp>
#include <kernel/pagination.hpp>
#include <kernel/problem.hpp>

#include <boost/json/object.hpp>

namespace inventory::http {
namespace {

constexpr std::string_view kBase = "/api/v1/inventory";

boost::json::object to_json(const StockLevels& levels) {
  return {{"product_id", levels.product_id},
          {"available", levels.available},
          {"reserved", levels.reserved},
          {"sold", levels.sold}};
}

boost::json::object to_json(const AdjustmentRecord& adjustment) {
  return {{"id", adjustment.id},
          {"product_id", adjustment.product_id},
          {"delta", adjustment.delta},
          {"reason", adjustment.reason},
          {"created_at", adjustment.at}};
}

std::int64_t product_id(const kernel::Request& request) {
  return request.id_param("product_id", "Inventory record of product");
}

AdjustmentInput read_adjustment(const kernel::Request& request) {
  auto body = kernel::JsonBody::parse(request);
  AdjustmentInput input;
  input.delta = body.integer("delta");
  // An explicit null reason means "no reason given", like an absent one (the default applies).
  if (const auto* reason = body.value("reason"); !reason || !reason->is_null()) {
    input.reason = body.string("reason");
  }
  body.finish();
  return input;
}

}  // namespace

void add_routes(kernel::Router& router, StockLedger& ledger) {
  const std::string item = std::string(kBase) + "/{product_id}";

  router.get(item, [&ledger](kernel::Request& request) {
    return kernel::Response::json(200, to_json(ledger.get(product_id(request))));
  });

  router.post(
      item + "/adjustments",
      [&ledger, item](kernel::Request& request) {
        auto id = product_id(request);
        auto adjustment = StockLedger::check(read_adjustment(request));
        // Answered once the inventory writer has committed it (ADR 0013): this I/O thread never
        // waits for the write lock.
        return kernel::Response::deferred(
            [&ledger, id, adjustment, trace = eventbus::trace_of(request),
             where = item + "/adjustments",
             request_id = request.request_id](kernel::Reply reply) mutable {
              ledger.adjust_queued(
                  id, adjustment, std::move(trace),
                  [reply = std::move(reply), where = std::move(where), request_id](
                      std::optional<StockLevels> levels, const std::exception_ptr& error) {
                    if (error) return reply(kernel::problem_for(error, where, request_id));
                    reply(kernel::Response::json(200, to_json(*levels)));
                  });
            });
      },
      kernel::Access::admin);

  // Not in api.md's table: the audit trail behind the conservation invariant.
  router.get(
      item + "/adjustments",
      [&ledger](kernel::Request& request) {
        auto id = product_id(request);
        auto page = kernel::parse_page(request);
        auto result = ledger.adjustments(id, page.after.value_or(0), page.limit);
        boost::json::array items;
        for (const auto& adjustment : result.items) items.push_back(to_json(adjustment));
        return kernel::page_response(std::move(items), result.next_after);
      },
      kernel::Access::admin);
}

}  // namespace inventory::http
