// The operator's views of a split deployment (issue #16), against the real binary: a process
// that hosts the order flow (users, products, inventory, orders, payments) with the notifications
// process as its upstream, the notifications process (whose webhook receiver is down), both meeting
// through a mock Kafka broker, and a gateway that hosts nothing. Asked of the order-flow process
// or of the gateway, the events status and the dead letters cover every process; ?scope=local
// covers the one asked; an upstream that is down is named in "unavailable" and the answer stays a
// 200; a dead letter's replay goes to the process hosting it.

#include "broker_process.hpp"
#include "server_process.hpp"

#include "flow_helpers.hpp"
#include "http/client.hpp"
#include "temp_dir.hpp"

#include <kernel/pagination.hpp>

#include <boost/json/serialize.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <memory>
#include <set>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace mart::test;

namespace {

const std::string kSharedSecret = "split-admin-test-secret-0123456789abcdef";

std::string url_of(std::uint16_t port) {
  return "http://127.0.0.1:" + std::to_string(port);
}

// A loopback port nothing listens on (bound, then closed): a webhook receiver that is down.
std::uint16_t closed_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  socklen_t length = sizeof address;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  ::close(fd);
  return ntohs(address.sin_port);
}

class SplitDeployment {
 public:
  SplitDeployment() : broker_(MART_KAFKA_MOCK, 4) {
    std::map<std::string, std::string> notes_env = {
        {"MART_JWT_SECRET", kSharedSecret},
        {"MART_NOTIFICATIONS_CHANNEL", "webhook"},
        {"MART_NOTIFICATIONS_WEBHOOK_URL", url_of(closed_port()) + "/hook"},
        {"MART_NOTIFICATIONS_WEBHOOK_SECRET", "split-admin-webhook-secret-0123456789abcdef"},
        {"MART_NOTIFICATIONS_WEBHOOK_RETRY_FOR_S", "1"},
        {"MART_NOTIFICATIONS_WEBHOOK_RETRY_MAX_BACKOFF_S", "1"}};
    notes_ = std::make_unique<ServerProcess>(
        dirs_[0].path(),
        std::vector<std::string>{"--modules", "notifications", "--kafka-enabled", "true",
                                 "--kafka-brokers", broker_.bootstrap()},
        notes_env);
    auto flow_env = admin_env();
    flow_env["MART_JWT_SECRET"] = kSharedSecret;
    flow_ = std::make_unique<ServerProcess>(
        dirs_[1].path(),
        std::vector<std::string>{"--modules", "users,products,inventory,orders,payments",
                                 "--kafka-enabled", "true", "--kafka-brokers", broker_.bootstrap(),
                                 "--payments-retry-for-s", "1", "--payments-retry-max-backoff-s",
                                 "1", "--upstream", "notifications=" + url_of(notes_->port())},
        flow_env);
    std::vector<std::string> gateway_args = {"--modules", "none"};
    for (const char* module : {"users", "products", "inventory", "orders", "payments"}) {
      gateway_args.emplace_back("--upstream");
      gateway_args.push_back(std::string(module) + "=" + url_of(flow_->port()));
    }
    gateway_args.emplace_back("--upstream");
    gateway_args.push_back("notifications=" + url_of(notes_->port()));
    gateway_ = std::make_unique<ServerProcess>(
        dirs_[2].path(), gateway_args,
        std::map<std::string, std::string>{{"MART_JWT_SECRET", kSharedSecret}});
  }

  std::uint16_t flow_port() const { return flow_->port(); }
  std::uint16_t notes_port() const { return notes_->port(); }
  std::uint16_t gateway_port() const { return gateway_->port(); }
  void kill_notifications() { notes_->kill9(); }

 private:
  BrokerProcess broker_;
  TempDir dirs_[3];
  std::unique_ptr<ServerProcess> notes_;
  std::unique_ptr<ServerProcess> flow_;
  std::unique_ptr<ServerProcess> gateway_;
};

std::set<std::string> strings_of(const boost::json::value& array) {
  std::set<std::string> out;
  for (const auto& item : array.as_array()) out.emplace(item.as_string());
  return out;
}

std::set<std::string> modules_of(const boost::json::value& status) {
  std::set<std::string> out;
  for (const auto& module : status.at("modules").as_array()) {
    out.emplace(module.at("module").as_string());
  }
  return out;
}

// Every dead letter `target` lists, page after page of `limit`; their ids in the order given.
std::vector<std::int64_t> walk_dead_letters(HttpClient& client, const HeaderList& admin,
                                            const std::string& target, int limit) {
  std::vector<std::int64_t> ids;
  std::string cursor;
  for (int pages = 0; pages < 100; ++pages) {
    auto path = target + (target.find('?') == std::string::npos ? "?" : "&") +
                "limit=" + std::to_string(limit) + (cursor.empty() ? "" : "&cursor=" + cursor);
    auto r = client.get(path, admin);
    REQUIRE(r.status == 200);
    auto body = r.json();
    CHECK(body.at("unavailable").as_array().empty());
    const auto& items = body.at("items").as_array();
    CHECK(static_cast<int>(items.size()) <= limit);
    for (const auto& item : items) ids.push_back(item.at("id").as_int64());
    if (body.at("next_cursor").is_null()) return ids;
    cursor = std::string(body.at("next_cursor").as_string());
  }
  FAIL("the cursor never ended");
  return ids;
}

std::vector<std::int64_t> ids_of(const boost::json::value& page) {
  std::vector<std::int64_t> ids;
  for (const auto& item : page.at("items").as_array()) ids.push_back(item.at("id").as_int64());
  return ids;
}

}  // namespace

TEST_SUITE("e2e") {
  TEST_CASE("[e2e] split admin: status and dead letters cover every process; scope=local one") {
    SplitDeployment split;
    HttpClient flow(split.flow_port());
    HttpClient notes(split.notes_port());
    HttpClient gateway(split.gateway_port());
    auto admin = admin_headers(flow);

    // A payment provider outage longer than payments.retry_for: a dead letter in payments (in
    // the order-flow process); the notifications of the order cannot reach the webhook receiver:
    // dead letters in notifications (in the notifications process).
    auto product = create_stocked_product(flow, admin, "Split admin mug", 900, 5);
    auto customer = customer_headers(flow, "split-admin@example.com");
    auto placed = flow.post("/api/v1/orders", order_body(product, 1, "tok_outage_600s"), customer);
    REQUIRE(placed.status == 201);

    std::set<std::string> dead_modules;
    boost::json::value merged;
    REQUIRE(eventually(
        [&] {
          auto r = gateway.get("/api/v1/admin/dead-letters?limit=100", admin);
          if (r.status != 200) return false;
          merged = r.json();
          dead_modules.clear();
          for (const auto& item : merged.at("items").as_array()) {
            if (item.at("status") == "dead") dead_modules.emplace(item.at("module").as_string());
          }
          return dead_modules.count("payments") == 1 && dead_modules.count("notifications") == 1;
        },
        std::chrono::seconds(60)));
    const auto merged_text = boost::json::serialize(merged);
    CAPTURE(merged_text);
    CHECK(merged.at("unavailable").as_array().empty());

    // Each process's own part, and the merge: the union, in id order, at every page size.
    auto flow_own = flow.get("/api/v1/admin/dead-letters?limit=100&scope=local", admin);
    auto notes_own = notes.get("/api/v1/admin/dead-letters?limit=100&scope=local", admin);
    REQUIRE(flow_own.status == 200);
    REQUIRE(notes_own.status == 200);
    const auto flow_page = flow_own.json();
    const auto notes_page = notes_own.json();
    CHECK_FALSE(flow_page.as_object().contains("unavailable"));  // not merged
    for (const auto& item : flow_page.at("items").as_array()) {
      CHECK(item.at("module") != "notifications");
    }
    auto expected = ids_of(flow_page);
    auto from_notes = ids_of(notes_page);
    CHECK_FALSE(from_notes.empty());
    expected.insert(expected.end(), from_notes.begin(), from_notes.end());
    std::sort(expected.begin(), expected.end());
    for (int limit : {1, 2, 100}) {
      CAPTURE(limit);
      CHECK(walk_dead_letters(gateway, admin, "/api/v1/admin/dead-letters", limit) == expected);
      CHECK(walk_dead_letters(flow, admin, "/api/v1/admin/dead-letters", limit) == expected);
    }

    // A cursor no merge made (one process's own, or none at all) is refused.
    REQUIRE(flow_page.at("items").as_array().size() >= 1);
    const auto own_cursor = kernel::encode_cursor(ids_of(flow_page).front());
    CHECK(gateway.get("/api/v1/admin/dead-letters?cursor=" + own_cursor, admin).status == 400);
    CHECK(gateway.get("/api/v1/admin/dead-letters?cursor=nonsense", admin).status == 400);
    CHECK(flow.get("/api/v1/admin/dead-letters?scope=local&cursor=" + own_cursor, admin).status ==
          200);

    // The status: every module of the deployment, and which process serves which.
    auto status = gateway.get("/api/v1/admin/events/status", admin);
    REQUIRE(status.status == 200);
    auto body = status.json();
    const auto body_text = boost::json::serialize(body);
    CAPTURE(body_text);
    CHECK(modules_of(body) == std::set<std::string>{"users", "products", "inventory", "orders",
                                                    "payments", "notifications"});
    CHECK(body.at("unavailable").as_array().empty());
    const auto& processes = body.at("processes").as_array();
    REQUIRE(processes.size() == 3);  // the gateway itself, and each upstream URL once
    CHECK(processes[0].at("upstream") == "local");
    CHECK(processes[0].at("modules").as_array().empty());
    std::map<std::string, std::set<std::string>> served;
    for (const auto& process : processes) {
      served[std::string(process.at("upstream").as_string())] = strings_of(process.at("modules"));
    }
    CHECK(served[url_of(split.flow_port())] ==
          std::set<std::string>{"users", "products", "inventory", "orders", "payments"});
    CHECK(served[url_of(split.notes_port())] == std::set<std::string>{"notifications"});

    auto own = flow.get("/api/v1/admin/events/status?scope=local", admin);
    REQUIRE(own.status == 200);
    const auto own_body = own.json();
    CHECK(modules_of(own_body) ==
          std::set<std::string>{"users", "products", "inventory", "orders", "payments"});
    CHECK_FALSE(own_body.as_object().contains("processes"));

    // Only admins: a customer is refused by the process asked, and nothing is merged.
    CHECK(gateway.get("/api/v1/admin/events/status", customer).status == 403);
    CHECK(gateway.get("/api/v1/admin/dead-letters").status == 401);

    // A notifications dead letter replayed through the order-flow process goes to the
    // notifications process (which still cannot reach the receiver: retrying again).
    std::int64_t note_letter = 0;
    for (const auto& item : notes_page.at("items").as_array()) {
      if (item.at("status") == "dead") note_letter = item.at("id").as_int64();
    }
    REQUIRE(note_letter != 0);
    auto replayed = flow.post(
        "/api/v1/admin/dead-letters/" + std::to_string(note_letter) + "/replay", "", admin);
    CAPTURE(replayed.body);
    CHECK(replayed.status == 200);
    const auto replay_body = replayed.json();
    CHECK(replay_body.at("status") == "retrying");
    CHECK(replay_body.at("module") == "notifications");
    // Asked of the order-flow process only, it has no such dead letter.
    CHECK(flow.post("/api/v1/admin/dead-letters/" + std::to_string(note_letter) +
                        "/replay?scope=local",
                    "", admin)
              .status == 404);

    // A payments dead letter discarded through the gateway goes to the order-flow process.
    std::int64_t payment_letter = 0;
    for (const auto& item : flow_page.at("items").as_array()) {
      if (item.at("status") == "dead" && item.at("module") == "payments") {
        payment_letter = item.at("id").as_int64();
      }
    }
    REQUIRE(payment_letter != 0);
    auto discarded =
        gateway.post("/api/v1/admin/dead-letters/" + std::to_string(payment_letter) + "/discard",
                     R"({"reason":"the provider will not come back for this one"})", admin);
    CAPTURE(discarded.body);
    CHECK(discarded.status == 200);

    // The audit through the gateway holds both, each recorded by the process that acted.
    auto audit = gateway.get("/api/v1/admin/audit?limit=100", admin);
    REQUIRE(audit.status == 200);
    const auto audit_body = audit.json();
    const auto audit_text = boost::json::serialize(audit_body);
    CAPTURE(audit_text);
    CHECK(audit_body.at("unavailable").as_array().empty());
    std::map<std::string, std::string> action_by_module;
    for (const auto& entry : audit_body.at("items").as_array()) {
      action_by_module[std::string(entry.at("module").as_string())] =
          std::string(entry.at("action").as_string());
    }
    CHECK(action_by_module["notifications"] == "replay");
    CHECK(action_by_module["payments"] == "discard");

    // The order's timeline through the gateway: its placed event as every process saw it,
    // handled by inventory here and waited on by notifications there.
    auto timeline = gateway.get(
        "/api/v1/admin/events/timeline?key=" + std::to_string(placed.json().at("id").as_int64()),
        admin);
    REQUIRE(timeline.status == 200);
    const auto timeline_body = timeline.json();
    const auto timeline_text = boost::json::serialize(timeline_body);
    CAPTURE(timeline_text);
    CHECK(timeline_body.at("unavailable").as_array().empty());
    std::set<std::string> placed_seen_by;
    int placed_events = 0;
    for (const auto& event : timeline_body.at("events").as_array()) {
      // Any version of order_placed (the publisher's current one).
      if (!event.at("type").as_string().starts_with("orders.order_placed.v")) continue;
      ++placed_events;
      for (const auto& h : event.at("handled_by").as_array()) {
        placed_seen_by.emplace(h.at("subscriber").as_string());
      }
      for (const auto& w : event.at("waiting").as_array()) {
        placed_seen_by.emplace(w.at("subscriber").as_string());
      }
    }
    CHECK(placed_events == 1);  // one event, though two processes know it
    CHECK(placed_seen_by.count("inventory.on_order_placed") == 1);
    CHECK(placed_seen_by.count("notifications.on_order_placed") == 1);
  }

  TEST_CASE("[e2e] split admin: an upstream that is down is named, and the answer stays a 200") {
    SplitDeployment split;
    HttpClient flow(split.flow_port());
    HttpClient gateway(split.gateway_port());
    auto admin = admin_headers(flow);
    split.kill_notifications();

    for (auto* client : {&flow, &gateway}) {
      auto status = client->get("/api/v1/admin/events/status", admin);
      CAPTURE(status.body);
      REQUIRE(status.status == 200);
      auto body = status.json();
      CHECK(modules_of(body) ==
            std::set<std::string>{"users", "products", "inventory", "orders", "payments"});
      const auto& unavailable = body.at("unavailable").as_array();
      REQUIRE(unavailable.size() == 1);
      CHECK(unavailable[0].at("upstream").as_string() == url_of(split.notes_port()));
      CHECK(strings_of(unavailable[0].at("modules")) == std::set<std::string>{"notifications"});
      CHECK(std::string(unavailable[0].at("error").as_string()).find("502") != std::string::npos);

      auto dead = client->get("/api/v1/admin/dead-letters", admin);
      REQUIRE(dead.status == 200);
      const auto dead_body = dead.json();
      CHECK(dead_body.at("unavailable").as_array().size() == 1);
      CHECK(dead_body.at("unavailable").as_array()[0].at("upstream").as_string() ==
            url_of(split.notes_port()));
    }
  }
}
