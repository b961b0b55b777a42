#include <payments/module.hpp>
#include <payments/simulated_provider.hpp>

#include "http/routes.hpp"
#include "subscribers/on_order_cancelled.hpp"
#include "subscribers/on_payment_requested.hpp"
#include "usecases/payments.hpp"

namespace payments {
namespace {

class PaymentsModule final : public kernel::Module {
 public:
  PaymentsModule(eventbus::ModuleBus& bus, std::shared_ptr<PaymentProvider> provider)
      : payments_(bus, std::move(provider)) {
    subscribers::subscribe_on_payment_requested(bus, payments_);
    subscribers::subscribe_on_order_cancelled(bus, payments_);
  }
  std::string_view name() const override { return "payments"; }
  void add_routes(kernel::Router& router) override { http::add_routes(router, payments_); }

 private:
  Payments payments_;
};

}  // namespace

std::unique_ptr<kernel::Module> make_module(eventbus::ModuleBus& bus,
                                            std::shared_ptr<PaymentProvider> provider,
                                            PaymentsOptions options) {
  (void)options;  // TODO(#13 item 7): the provider's retry policy
  if (!provider) provider = std::make_shared<SimulatedProvider>();
  return std::make_unique<PaymentsModule>(bus, std::move(provider));
}

}  // namespace payments
