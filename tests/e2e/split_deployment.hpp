#pragma once
// Split mode as the e2e tests run it: three processes (users+products, orders+payments,
// inventory+notifications), each with its own data directory, meeting through a mock Kafka
// broker, and a gateway (--modules none) that forwards every request to them.

#include "broker_process.hpp"
#include "server_process.hpp"
#include "temp_dir.hpp"

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace mart::test {

class SplitDeployment {
 public:
  using Env = std::map<std::string, std::string>;

  // `orders_payments_env`: extra environment of the orders+payments process (e.g. a pinned
  // event version).
  explicit SplitDeployment(int partitions = 8, Env orders_payments_env = {});

  std::uint16_t port() const { return gateway_->port(); }
  const std::string& bootstrap() const { return broker_.bootstrap(); }
  std::vector<std::uint16_t> module_ports() const;

  // kill -9 of orders+payments; a restart on the same data (with `env` as its extra
  // environment), and a gateway that knows its new port.
  void kill_orders_payments() { orders_payments_->kill9(); }
  int stop_orders_payments() { return orders_payments_->terminate(); }
  void restart_orders_payments(Env env = {});
  int stop_inventory_notifications() { return inventory_notifications_->terminate(); }
  void start_inventory_notifications();

 private:
  std::unique_ptr<ServerProcess> start(const std::string& modules, const TempDir& dir, Env env);
  void start_gateway();

  BrokerProcess broker_;
  TempDir dirs_[3];
  TempDir gateway_dir_;
  std::unique_ptr<ServerProcess> users_products_;
  std::unique_ptr<ServerProcess> orders_payments_;
  std::unique_ptr<ServerProcess> inventory_notifications_;
  std::unique_ptr<ServerProcess> gateway_;
};

}  // namespace mart::test
