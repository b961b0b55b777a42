#include <products/module.hpp>

#include "http/routes.hpp"
#include "subscribers/on_stock_level_changed.hpp"
#include "usecases/catalog.hpp"

namespace products {
namespace {

class ProductsModule final : public kernel::Module {
 public:
  explicit ProductsModule(eventbus::ModuleBus& bus) : catalog_(bus) {
    subscribers::subscribe_on_stock_level_changed(bus);
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
