// #13 hardening, the outside world: a hung webhook receiver does not freeze HTTP, outages of the
// payment provider and of the receiver are ridden out without dead letters, and deliveries are
// signed with a timestamp.
#include "flow_helpers.hpp"
#include "hmac.hpp"
#include "server_process.hpp"
#include "temp_dir.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json/parse.hpp>

#include <doctest/doctest.h>
#include <sodium.h>

#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

using namespace mart::test;
using namespace std::chrono_literals;

namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

const std::string kSecret = "e2e webhook secret, 32 bytes or more";

// A webhook receiver on 127.0.0.1:port. `answer`: 204 to each delivery, recording it; otherwise
// it accepts and reads each delivery and never answers (until destroyed).
class Receiver {
 public:
  Receiver(std::uint16_t port, bool answer) : answer_(answer), acceptor_(context_) {
    tcp::endpoint at(asio::ip::address_v4::loopback(), port);
    acceptor_.open(at.protocol());
    acceptor_.set_option(tcp::acceptor::reuse_address(true));
    acceptor_.bind(at);
    acceptor_.listen();
    accept();
    thread_ = std::thread([this] { context_.run_for(120s); });  // bounded
  }
  ~Receiver() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    context_.stop();
    if (thread_.joinable()) thread_.join();
    for (auto& t : connections_) t.join();
  }
  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }
  struct Delivery {
    std::string signature;
    std::string body;
  };
  std::vector<Delivery> received() {
    std::lock_guard lock(mutex_);
    return received_;
  }
  int requests() const { return requests_.load(); }

 private:
  void accept() {
    acceptor_.async_accept([this](boost::system::error_code ec, tcp::socket socket) {
      if (ec) return;
      std::lock_guard lock(mutex_);
      connections_.emplace_back([this, s = std::move(socket)]() mutable { serve(std::move(s)); });
      accept();
    });
  }
  void serve(tcp::socket socket) {
    boost::beast::flat_buffer buffer;
    http::request<http::string_body> request;
    boost::system::error_code ec;
    http::read(socket, buffer, request, ec);
    if (ec) return;
    ++requests_;
    if (!answer_) {
      std::unique_lock lock(mutex_);
      wake_.wait_for(lock, 120s, [this] { return stopping_; });
      return;
    }
    {
      std::lock_guard lock(mutex_);
      received_.push_back({std::string(request["X-Mart-Signature"]), request.body()});
    }
    http::response<http::string_body> response{http::status::no_content, 11};
    response.prepare_payload();
    http::write(socket, response, ec);
  }

  bool answer_;
  asio::io_context context_;
  tcp::acceptor acceptor_;
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::vector<std::thread> connections_;
  std::vector<Delivery> received_;
  std::atomic<int> requests_{0};
};

// The receiver's check: HMAC over "<t>.<body>", constant-time compare, |now - t| <= 300 s.
bool signature_valid(const Receiver::Delivery& d) {
  if (!d.signature.starts_with("t=")) return false;
  auto comma = d.signature.find(",v1=");
  if (comma == std::string::npos) return false;
  auto t = d.signature.substr(2, comma - 2);
  auto now = std::chrono::duration_cast<std::chrono::seconds>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count();
  if (std::llabs(now - std::stoll(t)) > 300) return false;
  auto expected = hmac_hex(kSecret, t + "." + d.body);
  auto given = d.signature.substr(comma + 4);
  return given.size() == expected.size() &&
         sodium_memcmp(given.data(), expected.data(), expected.size()) == 0;
}

std::map<std::string, std::string> webhook_env(
    std::uint16_t port, const std::map<std::string, std::string>& more = {}) {
  auto env = admin_env();
  env["MART_NOTIFICATIONS_CHANNEL"] = "webhook";
  env["MART_NOTIFICATIONS_WEBHOOK_URL"] = "http://127.0.0.1:" + std::to_string(port) + "/hook";
  env["MART_NOTIFICATIONS_WEBHOOK_SECRET"] = kSecret;
  for (const auto& [k, v] : more) env[k] = v;
  return env;
}

// Milliseconds one request takes (a fresh connection, so no earlier answer is waited for).
template <class F>
std::int64_t millis_of(F&& request) {
  auto start = std::chrono::steady_clock::now();
  request();
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                               start)
      .count();
}

std::int64_t dead_letters(HttpClient& client, const HeaderList& admin) {
  auto r = client.get("/api/v1/admin/dead-letters", admin);
  REQUIRE(r.status == 200);
  return static_cast<std::int64_t>(r.json().at("items").as_array().size());
}

}  // namespace

TEST_SUITE("e2e") {
  TEST_CASE("[e2e flow] a receiver that accepts and never answers does not slow HTTP down") {
    REQUIRE(sodium_init() >= 0);
    std::optional<Receiver> hung(std::in_place, 0, false);
    auto& receiver = *hung;
    TempDir dir;
    ServerProcess server(
        dir.path(), {},
        webhook_env(receiver.port(), {{"MART_NOTIFICATIONS_WEBHOOK_TIMEOUT_MS", "30000"}}));
    HttpClient client(server.port());
    auto admin = admin_headers(client);
    auto customer = customer_headers(client, "hang@example.com");
    auto product = create_stocked_product(client, admin, "Lamp", 1500, 10);
    auto placed = client.post("/api/v1/orders", order_body(product, 1), customer);
    REQUIRE(placed.status == 201);
    wait_for_status(client, customer, placed.json().at("id").as_int64(), {"confirmed"});
    // A notification is recorded, and its delivery hangs in the receiver.
    std::int64_t notification = 0;
    REQUIRE(eventually([&] {
      auto r = client.get("/api/v1/notifications", customer);
      if (r.status != 200 || r.json().at("items").as_array().empty()) return false;
      notification = r.json().at("items").at(0).at("id").as_int64();
      return true;
    }));
    REQUIRE(eventually([&] { return receiver.requests() > 0; }));

    for (int round = 0; round < 3; ++round) {
      HttpClient fresh(server.port(), 5s);
      CHECK(millis_of([&] { CHECK(fresh.get("/healthz").status == 200); }) < 500);
      CHECK(millis_of([&] {
              CHECK(fresh.get("/api/v1/products/" + std::to_string(product)).status == 200);
            }) < 500);
      CHECK(millis_of([&] {
              auto r = fresh.post("/api/v1/notifications/" + std::to_string(notification) + "/read",
                                  "", customer);
              CHECK(r.status == 200);
            }) < 500);
      std::this_thread::sleep_for(200ms);
    }
    hung.reset();  // the receiver goes away: the hung delivery fails, and mart stops promptly
    CHECK(server.terminate() == 0);
  }

  TEST_CASE("[e2e flow] a payment provider outage (tok_outage_8s) ends confirmed, no dead letter") {
    TempDir dir;
    ServerProcess server(dir.path(), {}, [] {
      auto env = admin_env();
      env["MART_PAYMENTS_RETRY_MAX_BACKOFF_S"] = "2";
      return env;
    }());
    HttpClient client(server.port());
    auto admin = admin_headers(client);
    auto customer = customer_headers(client, "outage@example.com");
    auto product = create_stocked_product(client, admin, "Kettle", 2500, 5);
    auto placed = client.post("/api/v1/orders", order_body(product, 2, "tok_outage_8s"), customer);
    REQUIRE(placed.status == 201);
    auto id = placed.json().at("id").as_int64();
    auto path = "/api/v1/orders/" + std::to_string(id);

    // While the provider is down: the order waits visibly, its timeline and /readyz say on what.
    REQUIRE(eventually(
        [&] {
          auto timeline = client.get(path + "/events", customer);
          if (timeline.status != 200) return false;
          auto body = timeline.json();
          for (const auto& e : body.at("events").as_array()) {
            const auto& obj = e.as_object();
            if (!obj.contains("waiting")) continue;
            for (const auto& w : obj.at("waiting").as_array()) {
              if (w.at("status") == "retrying" &&
                  std::string(w.at("last_error").as_string()).find("unreachable") !=
                      std::string::npos) {
                return true;
              }
            }
          }
          return false;
        },
        6s));
    auto ready = client.get("/readyz").json();
    CHECK(ready.at("checks").at("payments:charges_waiting_for_provider") == "1");
    CHECK(client.get(path, customer).json().at("status") == "reserved");
    CHECK(stock_of(client, product).at("reserved") == 2);  // its stock stays held meanwhile

    auto order = wait_for_status(client, customer, id, {"confirmed", "cancelled"});
    CHECK(order.at("status") == "confirmed");
    CHECK(dead_letters(client, admin) == 0);
    CHECK(client.get("/readyz").json().at("checks").at("payments:charges_waiting_for_provider") ==
          "0");
    auto metrics = client.get("/metrics").body;
    CHECK(metrics.find("mart_payments_provider_calls{kind=\"refund\",state=\"waiting\"} 0") !=
          std::string::npos);
    CHECK(server.terminate() == 0);
  }

  TEST_CASE("[e2e flow] a webhook receiver down for a while, then up: every notification arrives") {
    REQUIRE(sodium_init() >= 0);
    auto port = free_port();
    TempDir dir;
    ServerProcess server(
        dir.path(), {},
        webhook_env(port, {{"MART_NOTIFICATIONS_WEBHOOK_TIMEOUT_MS", "1000"},
                           {"MART_NOTIFICATIONS_WEBHOOK_RETRY_MAX_BACKOFF_S", "1"}}));
    HttpClient client(server.port());
    auto admin = admin_headers(client);
    auto customer = customer_headers(client, "down@example.com");
    auto product = create_stocked_product(client, admin, "Mug", 800, 10);
    std::vector<std::int64_t> orders;
    for (int i = 0; i < 3; ++i) {
      auto placed = client.post("/api/v1/orders", order_body(product, 1), customer);
      REQUIRE(placed.status == 201);
      orders.push_back(placed.json().at("id").as_int64());
    }
    for (auto id : orders) wait_for_status(client, customer, id, {"confirmed"});
    // Nobody listens: the deliveries wait (connection refused), visibly.
    REQUIRE(eventually(
        [&] {
          auto checks = client.get("/readyz").json().at("checks");
          return checks.at("notifications:deliveries_waiting_for_channel") != "0";
        },
        10s));
    std::this_thread::sleep_for(3s);
    CHECK(dead_letters(client, admin) == 0);

    Receiver receiver(port, true);  // the receiver comes back
    std::set<std::int64_t> expected;
    REQUIRE(eventually(
        [&] {
          auto r = client.get("/api/v1/notifications", customer);
          if (r.status != 200) return false;
          expected.clear();
          bool all = true;
          auto page = r.json();
          for (const auto& n : page.at("items").as_array()) {
            expected.insert(n.at("id").as_int64());
            all = all && n.at("status") == "delivered";
          }
          return all && expected.size() >= orders.size();
        },
        30s));
    std::set<std::int64_t> arrived;
    for (const auto& d : receiver.received()) {
      CHECK(signature_valid(d));
      arrived.insert(boost::json::parse(d.body).at("notification_id").as_int64());
    }
    for (auto id : expected) CHECK(arrived.count(id) == 1);
    CHECK(dead_letters(client, admin) == 0);
    CHECK(server.terminate() == 0);
  }
}
