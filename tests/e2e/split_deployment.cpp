#include "split_deployment.hpp"

#include "api_helpers.hpp"

#include <utility>

namespace mart::test {
namespace {

const std::string kSharedSecret = "split-mode-test-secret-0123456789abcdef";

}  // namespace

SplitDeployment::SplitDeployment(int partitions, Env orders_payments_env)
    : broker_(MART_KAFKA_MOCK, partitions) {
  users_products_ = start("users,products", dirs_[0], admin_env());
  orders_payments_ = start("orders,payments", dirs_[1], std::move(orders_payments_env));
  inventory_notifications_ = start("inventory,notifications", dirs_[2], {});
  start_gateway();
}

std::vector<std::uint16_t> SplitDeployment::module_ports() const {
  return {users_products_->port(), orders_payments_->port(), inventory_notifications_->port()};
}

void SplitDeployment::restart_orders_payments(Env env) {
  orders_payments_ = start("orders,payments", dirs_[1], std::move(env));
  start_gateway();
}

void SplitDeployment::start_inventory_notifications() {
  inventory_notifications_ = start("inventory,notifications", dirs_[2], {});
  start_gateway();
}

std::unique_ptr<ServerProcess> SplitDeployment::start(const std::string& modules,
                                                      const TempDir& dir, Env env) {
  env["MART_JWT_SECRET"] = kSharedSecret;
  return std::make_unique<ServerProcess>(
      dir.path(),
      std::vector<std::string>{"--modules", modules, "--kafka-enabled", "true", "--kafka-brokers",
                               broker_.bootstrap(), "--payments-simulated-latency-ms", "1"},
      env);
}

void SplitDeployment::start_gateway() {
  gateway_.reset();
  auto url = [](const std::unique_ptr<ServerProcess>& p) {
    return "http://127.0.0.1:" + std::to_string(p->port());
  };
  std::vector<std::string> args = {"--modules", "none"};
  for (const auto& [module, process] :
       std::vector<std::pair<std::string, const std::unique_ptr<ServerProcess>*>>{
           {"users", &users_products_},
           {"products", &users_products_},
           {"orders", &orders_payments_},
           {"payments", &orders_payments_},
           {"inventory", &inventory_notifications_},
           {"notifications", &inventory_notifications_}}) {
    args.emplace_back("--upstream");
    args.push_back(module + "=" + url(*process));
  }
  gateway_ = std::make_unique<ServerProcess>(gateway_dir_.path(), args,
                                             Env{{"MART_JWT_SECRET", kSharedSecret}});
}

}  // namespace mart::test
