#include <inventory/module.hpp>

#include "http/routes.hpp"
#include "subscribers/on_order_events.hpp"
#include "subscribers/on_product_created.hpp"
#include "usecases/stock_ledger.hpp"

namespace inventory {
namespace {

class InventoryModule final : public kernel::Module {
 public:
  explicit InventoryModule(eventbus::ModuleBus& bus) : ledger_(bus) {
    subscribers::subscribe_on_product_created(bus);
    subscribers::subscribe_on_order_placed(bus);
    subscribers::subscribe_on_order_confirmed(bus);
    subscribers::subscribe_on_order_cancelled(bus);
  }
  std::string_view name() const override { return "inventory"; }
  void add_routes(kernel::Router& router) override { http::add_routes(router, ledger_); }

 private:
  StockLedger ledger_;
};

}  // namespace

std::unique_ptr<kernel::Module> make_module(eventbus::ModuleBus& bus) {
  return std::make_unique<InventoryModule>(bus);
}

}  // namespace inventory
