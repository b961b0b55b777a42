#include <inventory/module.hpp>

#include "http/routes.hpp"
#include "subscribers/subscribers.hpp"
#include "usecases/stock_ledger.hpp"

namespace inventory {
namespace {

class InventoryModule final : public kernel::Module {
 public:
  explicit InventoryModule(eventbus::ModuleBus& bus) : ledger_(bus) {
    const subscribers::Dependencies deps{};
    for (auto subscribe : subscribers::kAll) subscribe(bus, deps);
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
