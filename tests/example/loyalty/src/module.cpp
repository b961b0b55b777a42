#include <loyalty/module.hpp>

#include "http/routes.hpp"
#include "subscribers/subscribers.hpp"

namespace loyalty {
namespace {

class LoyaltyModule final : public kernel::Module {
 public:
  LoyaltyModule(eventbus::ModuleBus& bus, LoyaltyOptions options) : bus_(bus) {
    const subscribers::Dependencies deps{options};
    for (auto subscribe : subscribers::kAll) subscribe(bus, deps);
  }
  std::string_view name() const override { return "loyalty"; }
  void add_routes(kernel::Router& router) override { http::add_routes(router, bus_); }

 private:
  eventbus::ModuleBus& bus_;
};

}  // namespace

std::unique_ptr<kernel::Module> make_module(eventbus::ModuleBus& bus, LoyaltyOptions options) {
  return std::make_unique<LoyaltyModule>(bus, options);
}

}  // namespace loyalty
