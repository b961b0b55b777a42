#include "http/routes.hpp"

#include <eventbus/request_trace.hpp>
#include <kernel/json_body.hpp>
#include <kernel/pagination.hpp>
#include <kernel/problem.hpp>

#include <boost/json/object.hpp>

namespace products::http {
namespace {

constexpr std::string_view kBase = "/api/v1/products";
constexpr std::string_view kItem = "/api/v1/products/{id}";

boost::json::object to_json(const Product& p) {
  boost::json::object o;
  o["id"] = p.id;
  o["name"] = p.name;
  o["description"] = p.description;
  o["price_cents"] = p.price_cents;
  o["currency"] = p.currency;
  if (p.sku) {
    o["sku"] = *p.sku;
  } else {
    o["sku"] = nullptr;
  }
  o["in_stock"] = p.in_stock;
  o["created_at"] = p.created_at;
  o["updated_at"] = p.updated_at;
  return o;
}

std::int64_t product_id(const kernel::Request& request) {
  return request.id_param("id", "Product");
}

ProductChanges read_changes(const kernel::Request& request) {
  auto body = kernel::JsonBody::parse(request);
  ProductChanges changes;
  changes.name = body.string("name");
  if (const auto* description = body.value("description"); description && description->is_null()) {
    changes.description = std::string();
  } else {
    changes.description = body.string("description");
  }
  changes.price_cents = body.integer("price_cents");
  changes.currency = body.string("currency");
  if (const auto* sku = body.value("sku"); sku && sku->is_null()) {
    changes.sku = std::optional<std::string>();
  } else if (auto text = body.string("sku")) {
    changes.sku = std::optional<std::string>(*text);
  }
  body.finish();
  return changes;
}

}  // namespace

void add_routes(kernel::Router& router, Catalog& catalog) {
  router.get(kBase, [&catalog](kernel::Request& request) {
    auto page = kernel::parse_page(request);
    auto result =
        catalog.list(request.query_param("q").value_or(""), page.after.value_or(0), page.limit);
    boost::json::array items;
    for (const auto& product : result.items) items.push_back(to_json(product));
    return kernel::page_response(std::move(items), result.next_after);
  });

  router.get(kItem, [&catalog](kernel::Request& request) {
    return kernel::Response::json(200, to_json(catalog.get(product_id(request))));
  });

  // The writes are answered once the products writer has committed them (ADR 0013): no I/O
  // thread waits for the write lock. Invalid fields are answered at once (422).
  router.post(
      kBase,
      [&catalog](kernel::Request& request) {
        auto prepared = catalog.prepare_create(read_changes(request));
        return kernel::Response::deferred(
            [&catalog, prepared = std::move(prepared), trace = eventbus::trace_of(request),
             request_id = request.request_id](kernel::Reply reply) mutable {
              catalog.create_queued(
                  std::move(prepared), std::move(trace),
                  [reply = std::move(reply), request_id](std::optional<Product> product,
                                                         const std::exception_ptr& error) {
                    if (error) return reply(kernel::problem_for(error, kBase, request_id));
                    auto response = kernel::Response::json(201, to_json(*product));
                    response.headers.set("Location",
                                         std::string(kBase) + "/" + std::to_string(product->id));
                    reply(std::move(response));
                  });
            });
      },
      kernel::Access::admin);

  router.patch(
      kItem,
      [&catalog](kernel::Request& request) {
        auto id = product_id(request);
        auto changes = read_changes(request);
        Catalog::check_changes(changes);
        return kernel::Response::deferred(
            [&catalog, id, changes = std::move(changes), trace = eventbus::trace_of(request),
             request_id = request.request_id](kernel::Reply reply) mutable {
              catalog.update_queued(
                  id, std::move(changes), std::move(trace),
                  [reply = std::move(reply), request_id](std::optional<Product> product,
                                                         const std::exception_ptr& error) {
                    if (error) return reply(kernel::problem_for(error, kItem, request_id));
                    reply(kernel::Response::json(200, to_json(*product)));
                  });
            });
      },
      kernel::Access::admin);

  router.del(
      kItem,
      [&catalog](kernel::Request& request) {
        auto id = product_id(request);
        return kernel::Response::deferred(
            [&catalog, id, trace = eventbus::trace_of(request),
             request_id = request.request_id](kernel::Reply reply) mutable {
              catalog.remove_queued(
                  id, std::move(trace),
                  [reply = std::move(reply), request_id](const std::exception_ptr& error) {
                    if (error) return reply(kernel::problem_for(error, kItem, request_id));
                    reply(kernel::Response::no_content());
                  });
            });
      },
      kernel::Access::admin);
}

}  // namespace products::http
