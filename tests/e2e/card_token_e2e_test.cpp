// #13 item 5: the card token is read by Payments only. Against the real binary: orders placed with
// a distinctive token are paid, declined or cancelled as before, and the token is in no answer,
// no dead letter, no line of the server's output and no byte of any file of the data directory
// except Payments' own database.

#include "api_helpers.hpp"
#include "flow_helpers.hpp"
#include "server_process.hpp"

#include "http/client.hpp"
#include "temp_dir.hpp"

#include <doctest/doctest.h>

#include <boost/json/serialize.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

using namespace mart::test;

namespace {

constexpr std::string_view kCanary = "CANARY7731";
const std::string kPaidToken = "tok_visa_CANARY7731";
const std::string kDeclinedToken = "tok_decline_CANARY7731";

// Distinct jwt_secrets (at least 32 characters): the card token's sealing key derives from it.
const std::string kSecret = "card-token-e2e-secret-0123456789abcdef";
const std::string kOtherSecret = "another-e2e-secret-fedcba9876543210xyz";

std::string raw_bytes(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

// Every file of the data directory, except payments.db and its -wal/-shm: the files in which the
// canary appears (as raw bytes; the WAL and free pages included).
std::vector<std::string> files_with_canary(const std::filesystem::path& data_dir) {
  std::vector<std::string> found;
  std::size_t scanned = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(data_dir)) {
    if (!entry.is_regular_file()) continue;
    const auto name = entry.path().filename().string();
    if (name.rfind("payments.db", 0) == 0) continue;
    ++scanned;
    if (raw_bytes(entry.path()).find(kCanary) != std::string::npos) {
      found.push_back(entry.path().filename().string());
    }
  }
  CHECK(scanned >= 5);  // orders.db, inventory.db, ... are there: the scan saw them
  return found;
}

std::int64_t place(HttpClient& client, const HeaderList& customer, std::int64_t product,
                   const std::string& token, HeaderList extra = {}) {
  auto headers = customer;
  headers.insert(headers.end(), extra.begin(), extra.end());
  auto placed = client.post("/api/v1/orders", order_body(product, 1, token), headers);
  REQUIRE(placed.status == 201);
  CHECK(placed.body.find(kCanary) == std::string::npos);
  return placed.json().at("id").as_int64();
}

std::string timeline(HttpClient& client, const HeaderList& who, std::int64_t order_id) {
  auto answer = client.get("/api/v1/orders/" + std::to_string(order_id) + "/events", who);
  REQUIRE(answer.status == 200);
  return answer.body;
}

// What an admin or a customer can read about these orders: none of it may carry the token, in
// the clear or sealed.
void check_answers(HttpClient& client, const HeaderList& admin, const HeaderList& customer,
                   const std::vector<std::int64_t>& orders) {
  std::vector<std::string> answers;
  for (auto id : orders) {
    answers.push_back(timeline(client, customer, id));
    answers.push_back(timeline(client, admin, id));
    answers.push_back(client.get("/api/v1/orders/" + std::to_string(id), customer).body);
    answers.push_back(client.get("/api/v1/payments?order_id=" + std::to_string(id), customer).body);
    answers.push_back(
        client.get("/api/v1/admin/events/timeline?key=" + std::to_string(id), admin).body);
  }
  answers.push_back(client.get("/api/v1/orders?limit=100", admin).body);
  answers.push_back(client.get("/api/v1/admin/dead-letters", admin).body);
  answers.push_back(client.get("/api/v1/admin/dead-letters?status=pending", admin).body);
  answers.push_back(client.get("/api/v1/admin/dead-letters?status=discarded", admin).body);
  answers.push_back(client.get("/api/v1/admin/audit", admin).body);
  answers.push_back(client.get("/api/v1/admin/events/status", admin).body);
  answers.push_back(client.get("/api/v1/notifications", customer).body);
  for (const auto& body : answers) {
    CAPTURE(body);
    CHECK(body.find(kCanary) == std::string::npos);
    CHECK(body.find("sealed.v1.") == std::string::npos);
    CHECK(body.find("payment_token") == std::string::npos);
  }
}

}  // namespace

TEST_SUITE("e2e") {
  TEST_CASE("[e2e] card token: paid, declined and cancelled orders leave it nowhere but Payments") {
    TempDir dir;
    ServerProcess server(dir.path(), {"--log-level", "debug", "--jwt-secret", kSecret},
                         admin_env());
    HttpClient client(server.port());
    auto admin = admin_headers(client);
    auto product = create_stocked_product(client, admin, "Canary mug", 1250, 10);
    auto sold_out = create_stocked_product(client, admin, "Canary pot", 3000, 0);
    auto customer = customer_headers(client, "canary@example.com");

    // Paid, with an Idempotency-Key (its stored fingerprint must not keep the token either), and
    // the same request again: the first answer, nothing new.
    const HeaderList key = {{"Idempotency-Key", "canary-key-1"}};
    auto paid = place(client, customer, product, kPaidToken, key);
    CHECK(place(client, customer, product, kPaidToken, key) == paid);
    auto declined = place(client, customer, product, kDeclinedToken);
    auto short_of_stock = place(client, customer, sold_out, kPaidToken);
    auto refunded = place(client, customer, product, kPaidToken);
    auto cancelled_early = place(client, customer, product, kPaidToken);
    auto cancel =
        client.post("/api/v1/orders/" + std::to_string(cancelled_early) + "/cancel", "", customer);
    CHECK(cancel.status == 200);

    CHECK(wait_for_status(client, customer, paid, {"confirmed"}).at("status") == "confirmed");
    auto declined_order = wait_for_status(client, customer, declined, {"cancelled"});
    CHECK(declined_order.at("cancel_reason") == "payment_declined");
    auto short_order = wait_for_status(client, customer, short_of_stock, {"cancelled"});
    CHECK(short_order.at("cancel_reason") == "out_of_stock");
    wait_for_status(client, customer, refunded, {"confirmed"});
    REQUIRE(client.post("/api/v1/orders/" + std::to_string(refunded) + "/cancel", "", customer)
                .status == 200);
    wait_for_status(client, customer, cancelled_early, {"cancelled"});
    // The refund of the cancelled paid order went through: Payments still had what it needed.
    CHECK(eventually([&] {
      auto page =
          client.get("/api/v1/payments?order_id=" + std::to_string(refunded), customer).json();
      const auto& items = page.at("items").as_array();
      return !items.empty() && items[0].at("status") == "refunded";
    }));
    auto paid_payment =
        client.get("/api/v1/payments?order_id=" + std::to_string(paid), customer).json();
    REQUIRE(paid_payment.at("items").as_array().size() == 1);
    CHECK(paid_payment.at("items").as_array()[0].at("status") == "succeeded");

    const std::vector<std::int64_t> orders = {paid, declined, short_of_stock, refunded,
                                              cancelled_early};
    // The timeline still shows PaymentRequested, only without the token.
    CHECK(timeline(client, customer, paid).find("orders.payment_requested.v1") !=
          std::string::npos);
    check_answers(client, admin, customer, orders);

    // The files, while the server runs (WAL not yet checkpointed) and after it stopped.
    CHECK(files_with_canary(dir.path()).empty());
    CHECK(server.terminate() == 0);
    CHECK(files_with_canary(dir.path()).empty());
    const auto output = server.output();
    CHECK(output.find(kCanary) == std::string::npos);
    CHECK(output.find("sealed.v1.") == std::string::npos);
  }

  TEST_CASE(
      "[e2e] card token: a PaymentRequested that cannot be opened is a dead letter shown "
      "without it, and pays once replayed with the right key") {
    TempDir dir;
    std::int64_t order = 0;
    {
      // Payments hosted nowhere: the order waits, reserved, its PaymentRequested in the outbox.
      ServerProcess server(
          dir.path(), {"--modules", "users,products,inventory,orders", "--jwt-secret", kSecret},
          admin_env());
      HttpClient client(server.port());
      auto admin = admin_headers(client);
      auto product = create_stocked_product(client, admin, "Dead-letter mug", 800, 3);
      auto customer = customer_headers(client, "dead-canary@example.com");
      order = place(client, customer, product, kPaidToken);
      wait_for_status(client, customer, order, {"reserved"});
      CHECK(server.terminate() == 0);
      CHECK(server.output().find(kCanary) == std::string::npos);
    }
    {
      // Payments runs with another jwt_secret: it cannot open the token, so nothing is charged
      // and the event becomes a dead letter (soon: whichever retry policy applies to it).
      ServerProcess server(
          dir.path(),
          {"--jwt-secret", kOtherSecret, "--bus-max-attempts", "1", "--payments-retry-for-s", "1",
           "--payments-retry-max-backoff-s", "1", "--log-level", "debug"},
          admin_env());
      HttpClient client(server.port());
      auto admin = admin_headers(client);
      boost::json::value dead;
      REQUIRE(eventually([&] {
        dead = client.get("/api/v1/admin/dead-letters", admin).json();
        return !dead.at("items").as_array().empty();
      }));
      const auto body = boost::json::serialize(dead);
      CAPTURE(body);
      CHECK(body.find("orders.payment_requested.v1") != std::string::npos);
      CHECK(body.find(R"("amount_cents":800)") != std::string::npos);
      // Its failed attempts are listed with it, in words that do not carry the token either.
      CHECK_FALSE(dead.at("items").as_array()[0].at("history").as_array().empty());
      CHECK(body.find(kCanary) == std::string::npos);
      CHECK(body.find("sealed.v1.") == std::string::npos);
      CHECK(body.find("payment_token") == std::string::npos);
      CHECK(server.terminate() == 0);
      CHECK(server.output().find(kCanary) == std::string::npos);
    }
    {
      auto list_run = run_mart({"dead-letters", "list", "--data-dir", dir.path().string(),
                                "--jwt-secret", kOtherSecret});
      const int status = list_run.first;
      const std::string& listed = list_run.second;
      CAPTURE(listed);
      CHECK(status == 0);
      CHECK(listed.find("orders.payment_requested.v1") != std::string::npos);
      CHECK(listed.find(kCanary) == std::string::npos);
      CHECK(listed.find("sealed.v1.") == std::string::npos);
    }
    {
      // The secret put right: the replayed dead letter pays the order.
      ServerProcess server(dir.path(), {"--jwt-secret", kSecret}, admin_env());
      HttpClient client(server.port());
      auto admin = admin_headers(client);
      auto dead = client.get("/api/v1/admin/dead-letters", admin).json();
      REQUIRE(dead.at("items").as_array().size() == 1);
      auto id = dead.at("items").as_array()[0].at("id").as_int64();
      auto replayed =
          client.post("/api/v1/admin/dead-letters/" + std::to_string(id) + "/replay", "", admin);
      CHECK(replayed.status == 200);
      CHECK(replayed.body.find(kCanary) == std::string::npos);
      auto customer = bearer(login(client, "dead-canary@example.com", "customer-password"));
      CHECK(wait_for_status(client, customer, order, {"confirmed"}).at("status") == "confirmed");
      // The replay is audited; the healed delivery keeps its failures on the order's timelines.
      auto audit = client.get("/api/v1/admin/audit", admin).json().at("items").as_array();
      REQUIRE(audit.size() == 1);
      CHECK(audit[0].at("action") == "replay");
      CHECK(audit[0].at("dead_letter_id") == id);
      CHECK(audit[0].at("event_type") == "orders.payment_requested.v1");
      auto events = client.get("/api/v1/admin/events/timeline?key=" + std::to_string(order), admin)
                        .json()
                        .at("events")
                        .as_array();
      bool healed = false;
      for (const auto& e : events) {
        if (e.at("type") != "orders.payment_requested.v1") continue;
        for (const auto& h : e.at("handled_by").as_array()) {
          healed = healed || !h.at("failures").as_array().empty();
        }
      }
      CHECK(healed);
      check_answers(client, admin, customer, {order});
      CHECK(server.terminate() == 0);
      CHECK(server.output().find(kCanary) == std::string::npos);
    }
    CHECK(files_with_canary(dir.path()).empty());
  }
}
