#include <products/module.hpp>

#include "http/routes.hpp"
#include "subscribers/subscribers.hpp"
#include "usecases/catalog.hpp"

namespace products {
namespace {

class ProductsModule final : public kernel::Module {
 public:
  explicit ProductsModule(eventbus::ModuleBus& bus) : catalog_(bus) {
    const subscribers::Dependencies deps{};
    for (auto subscribe : subscribers::kAll) subscribe(bus, deps);
  }
  std::string_view name() const override { return "products"; }
  void add_routes(kernel::Router& router) override { http::add_routes(router, catalog_); }

 private:
  Catalog catalog_;
};

}  // namespace

std::unique_ptr<kernel::Module> make_module(eventbus::ModuleBus& bus) {
  return std::make_unique<ProductsModule>(bus);
}

}  // namespace products
