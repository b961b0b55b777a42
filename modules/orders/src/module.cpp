#include <orders/module.hpp>

#include "http/routes.hpp"
#include "subscribers/subscribers.hpp"
#include "usecases/ordering.hpp"

namespace orders {
namespace {

class OrdersModule final : public kernel::Module {
 public:
  OrdersModule(eventbus::ModuleBus& bus, OrdersOptions options) : ordering_(bus, options) {
    const subscribers::Dependencies deps{};
    for (auto subscribe : subscribers::kAll) subscribe(bus, deps);
  }
  std::string_view name() const override { return "orders"; }
  void add_routes(kernel::Router& router) override { http::add_routes(router, ordering_); }
  std::vector<kernel::HealthDetail> health() override {
    auto stuck = ordering_.stuck_orders();
    return {{"stuck_orders", std::to_string(stuck), stuck == 0}};
  }

  std::vector<kernel::GaugeSample> gauges() override {
    std::vector<kernel::GaugeSample> out;
    for (const auto& [status, count] : ordering_.orders_by_status()) {
      out.push_back(
          {"orders", "Orders per status.", {{"status", status}}, static_cast<double>(count)});
    }
    return out;
  }

 private:
  Ordering ordering_;
};

}  // namespace

std::unique_ptr<kernel::Module> make_module(eventbus::ModuleBus& bus, OrdersOptions options) {
  return std::make_unique<OrdersModule>(bus, options);
}

}  // namespace orders
