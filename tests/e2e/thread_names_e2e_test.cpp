// Threads named for operators: every thread of the real binary other than the main one has a name
// of its own in /proc/<pid>/task/*/comm (what `top -H`, `perf` and gdb show). A thread started
// without naming itself inherits "mart" from the main thread, which fails these tests.

#include "broker_process.hpp"
#include "server_process.hpp"

#include "flow_helpers.hpp"
#include "http/client.hpp"
#include "temp_dir.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <string>

using namespace mart::test;

namespace {

const std::string kSharedSecret = "thread-names-test-secret-0123456789abcdef";

// Thread id → name, read from /proc.
std::map<std::string, std::string> thread_names(pid_t pid) {
  std::map<std::string, std::string> names;
  const std::filesystem::path tasks = "/proc/" + std::to_string(pid) + "/task";
  for (const auto& task : std::filesystem::directory_iterator(tasks)) {
    std::ifstream comm(task.path() / "comm");
    std::string name;
    std::getline(comm, name);
    names[task.path().filename().string()] = name;
  }
  return names;
}

// Every thread but the main one (whose id is the process id) is named, and not "mart".
void check_every_thread_named(const ServerProcess& process) {
  const auto main_thread = std::to_string(process.pid());
  for (const auto& [tid, name] : thread_names(process.pid())) {
    if (tid == main_thread) {
      CHECK(name == "mart");
      continue;
    }
    CHECK_MESSAGE(name != "mart", "thread " << tid << " of mart is unnamed");
  }
}

std::multiset<std::string> names_of(const ServerProcess& process) {
  std::multiset<std::string> names;
  for (const auto& [tid, name] : thread_names(process.pid())) names.insert(name);
  return names;
}

}  // namespace

TEST_SUITE("e2e") {
  TEST_CASE("[e2e] threads: every thread of a monolith with the Kafka mirror is named") {
    BrokerProcess broker(MART_KAFKA_MOCK, 2);
    TempDir dir;
    auto env = admin_env();
    env["MART_JWT_SECRET"] = kSharedSecret;
    ServerProcess mart(dir.path(),
                       {"--kafka-enabled", "true", "--kafka-brokers", broker.bootstrap(),
                        "--io-threads", "2", "--payments-simulated-latency-ms", "1"},
                       env);
    HttpClient client(mart.port());
    auto admin = admin_headers(client);
    auto product = create_stocked_product(client, admin, "Named mug", 900, 2);
    auto customer = customer_headers(client, "threads@example.com");
    auto placed = client.post("/api/v1/orders", order_body(product, 1), customer);
    REQUIRE(placed.status == 201);
    wait_for_status(client, customer, placed.json().at("id").as_int64(), {"confirmed"});

    check_every_thread_named(mart);
    const auto names = names_of(mart);
    for (const char* expected :
         {"http-io-1", "http-io-2", "bus-orders", "bus-payments", "bus-inventory", "bus-notify",
          "bus-products", "kafka-mirror", "event-tap", "pw-hash-1", "pay-work-1", "db-orders"}) {
      CHECK_MESSAGE(names.count(expected) >= 1, "no thread named " << expected);
    }
    CHECK(mart.terminate() == 0);
  }

  TEST_CASE("[e2e] threads: the threads of split mode (Kafka consumer, fan-out) are named") {
    BrokerProcess broker(MART_KAFKA_MOCK, 2);
    TempDir orders_dir;
    TempDir gateway_dir;
    ServerProcess orders(
        orders_dir.path(),
        {"--modules", "orders", "--kafka-enabled", "true", "--kafka-brokers", broker.bootstrap()},
        {{"MART_JWT_SECRET", kSharedSecret}});
    ServerProcess gateway(gateway_dir.path(),
                          {"--modules", "none", "--upstream",
                           "orders=http://127.0.0.1:" + std::to_string(orders.port())},
                          {{"MART_JWT_SECRET", kSharedSecret}});

    check_every_thread_named(orders);
    check_every_thread_named(gateway);
    CHECK(names_of(orders).count("kafka-consume") >= 1);
    CHECK(names_of(gateway).count("fan-out") == 1);
    CHECK(gateway.terminate() == 0);
    CHECK(orders.terminate() == 0);
  }
}
