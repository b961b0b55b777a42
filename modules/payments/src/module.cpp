#include <payments/module.hpp>
#include <payments/simulated_provider.hpp>

#include "http/routes.hpp"
#include "subscribers/subscribers.hpp"
#include "usecases/payments.hpp"

#include <kernel/worker_pool.hpp>

#include <limits>

namespace payments {
namespace {

class PaymentsModule final : public kernel::Module {
 public:
  PaymentsModule(eventbus::ModuleBus& bus, std::shared_ptr<PaymentProvider> provider,
                 const PaymentsOptions& options)
      : payments_(bus, std::move(provider)) {
    // A provider outage is ridden out: back-off up to the cap, a dead letter only after
    // retry_for (a decline is an answer, never retried).
    const subscribers::Dependencies deps{
        payments_, {std::chrono::milliseconds(200), options.retry_max_backoff, options.retry_for}};
    for (auto subscribe : subscribers::kAll) subscribe(bus, deps);
  }
  std::string_view name() const override { return "payments"; }
  void add_routes(kernel::Router& router) override {
    http::add_routes(router, payments_, workers_);
  }
  std::vector<kernel::HealthDetail> health() override { return payments_.health(); }
  std::vector<kernel::GaugeSample> gauges() override { return payments_.gauges(); }

 private:
  Payments payments_;
  // The admin refund's provider call and write, off the HTTP I/O threads.
  kernel::WorkerPool workers_{2, std::numeric_limits<std::size_t>::max(), "pay-work-"};
};

}  // namespace

std::unique_ptr<kernel::Module> make_module(eventbus::ModuleBus& bus,
                                            std::shared_ptr<PaymentProvider> provider,
                                            PaymentsOptions options) {
  if (!provider) provider = std::make_shared<SimulatedProvider>();
  return std::make_unique<PaymentsModule>(bus, std::move(provider), options);
}

}  // namespace payments
