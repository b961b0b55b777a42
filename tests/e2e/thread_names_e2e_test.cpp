// Every long-lived thread of the real binary has a name an operator can read in `top -H`, `perf`
// and /proc/<pid>/task/*/comm (issue #17): a split deployment over the mock Kafka broker, where
// an order has flowed and an event stream is open, so the lazily started threads run too. A
// thread left unnamed inherits its creator's name; from the main thread that is "mart".

#include "broker_process.hpp"
#include "server_process.hpp"
#include "sse_reader.hpp"

#include "flow_helpers.hpp"
#include "http/client.hpp"
#include "temp_dir.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>

using namespace mart::test;

namespace {

const std::string kSharedSecret = "thread-names-test-secret-0123456789abcdef";

// tid -> name of every thread of `pid`.
std::map<std::string, std::string> threads_of(pid_t pid) {
  std::map<std::string, std::string> out;
  for (const auto& task :
       std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/task")) {
    std::ifstream comm(task.path() / "comm");
    std::string name;
    std::getline(comm, name);
    out[task.path().filename().string()] = name;
  }
  return out;
}

bool has_name_starting(const std::map<std::string, std::string>& threads,
                       const std::string& prefix) {
  for (const auto& [tid, name] : threads) {
    if (name.rfind(prefix, 0) == 0) return true;
  }
  return false;
}

void check_all_named(pid_t pid) {
  auto threads = threads_of(pid);
  for (const auto& [tid, name] : threads) {
    CAPTURE(tid);
    CAPTURE(name);
    if (tid == std::to_string(pid)) {
      CHECK(name == "mart");  // the main thread keeps the program's name
    } else {
      CHECK(name != "mart");
    }
  }
}

}  // namespace

TEST_SUITE("e2e") {
  TEST_CASE("[e2e] every thread of a running mart has a name, in split mode with Kafka") {
    BrokerProcess broker(MART_KAFKA_MOCK, 4);
    TempDir notes_dir;
    TempDir flow_dir;
    ServerProcess notes(notes_dir.path(),
                        {"--modules", "notifications", "--kafka-enabled", "true", "--kafka-brokers",
                         broker.bootstrap()},
                        {{"MART_JWT_SECRET", kSharedSecret}});
    auto env = admin_env();
    env["MART_JWT_SECRET"] = kSharedSecret;
    ServerProcess flow(flow_dir.path(),
                       {"--modules", "users,products,inventory,orders,payments", "--kafka-enabled",
                        "true", "--kafka-brokers", broker.bootstrap(), "--upstream",
                        "notifications=http://127.0.0.1:" + std::to_string(notes.port())},
                       env);
    HttpClient client(flow.port());
    auto admin = admin_headers(client);
    SseReader stream(flow.port(), "/api/v1/admin/events/stream", admin);
    REQUIRE(stream.status() == 200);
    auto product = create_stocked_product(client, admin, "Named mug", 700, 5);
    auto customer = customer_headers(client, "threads@example.com");
    auto placed = client.post("/api/v1/orders", order_body(product, 1, "tok_visa"), customer);
    REQUIRE(placed.status == 201);
    wait_for_status(client, customer, placed.json().at("id").as_int64(), {"confirmed"});
    REQUIRE(stream.next(std::chrono::seconds(5)));

    check_all_named(flow.pid());
    check_all_named(notes.pid());
    auto threads = threads_of(flow.pid());
    for (const char* expected :
         {"http-io-1", "bus-orders", "bus-payments", "write-orders", "event-tap", "relay-",
          "fan-out", "kafka-mirror", "log-writer", "checkpoint", "passwords-1", "provider-1"}) {
      CAPTURE(expected);
      CHECK(has_name_starting(threads, expected));
    }
    CHECK(has_name_starting(threads_of(notes.pid()), "bus-notificatio"));
  }
}
