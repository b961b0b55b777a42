// #16 item 1: the live event stream (GET /api/v1/admin/events/stream) against the real binary:
// admins only, filters, no card token, resume by Last-Event-ID (from the ring, and from the
// outboxes after a restart), the cap on open streams, and a reader that never reads is dropped
// while the order flow goes on.

#include "api_helpers.hpp"
#include "flow_helpers.hpp"
#include "server_process.hpp"
#include "sse_reader.hpp"

#include "http/client.hpp"
#include "temp_dir.hpp"

#include <doctest/doctest.h>

#include <boost/json/parse.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

using namespace mart::test;
using namespace std::chrono_literals;

namespace {

constexpr const char* kStream = "/api/v1/admin/events/stream";

std::int64_t place(HttpClient& client, const HeaderList& customer, std::int64_t product,
                   const std::string& token = "tok_visa") {
  auto placed = client.post("/api/v1/orders", order_body(product, 1, token), customer);
  REQUIRE(placed.status == 201);
  return placed.json().at("id").as_int64();
}

// Frames until one of `type` keyed `key` arrived (inclusive).
std::vector<SseFrame> frames_until(SseReader& reader, const std::string& type,
                                   const std::string& key) {
  std::vector<SseFrame> out;
  while (auto frame = reader.next(10s)) {
    out.push_back(*frame);
    if (frame->event == type &&
        boost::json::parse(frame->data).at("key").as_string() == key.c_str()) {
      break;
    }
  }
  return out;
}

std::set<std::string> sources_of(const std::vector<SseFrame>& frames) {
  std::set<std::string> out;
  for (const auto& f : frames) {
    out.insert(std::string(boost::json::parse(f.data).at("source").as_string()));
  }
  return out;
}

}  // namespace

TEST_CASE("the event stream is for admins, and a filter naming no module is refused") {
  TempDir dir;
  ServerProcess server(dir.path(), {}, admin_env());
  HttpClient client(server.port());
  auto admin = admin_headers(client);
  auto customer = customer_headers(client, "stream-customer@mart.test");

  SseReader anonymous(server.port(), kStream, {});
  CHECK(anonymous.status() == 401);
  SseReader not_admin(server.port(), kStream, customer);
  CHECK(not_admin.status() == 403);
  SseReader wrong_source(server.port(), std::string(kStream) + "?source=warehouse", admin);
  CHECK(wrong_source.status() == 400);
  CHECK(wrong_source.body_of_error().find("warehouse") != std::string::npos);

  SseReader stream(server.port(), kStream, admin);
  CHECK(stream.status() == 200);
  CHECK(stream.header("content-type").find("text/event-stream") == 0);
}

TEST_CASE("an order's events stream as they are published, filtered, without the card token") {
  TempDir dir;
  ServerProcess server(dir.path(), {}, admin_env());
  HttpClient client(server.port());
  auto admin = admin_headers(client);
  auto customer = customer_headers(client, "flow-customer@mart.test");
  auto product = create_stocked_product(client, admin, "Tea", 450, 10);

  SseReader all(server.port(), kStream, admin);
  SseReader confirmations(server.port(), std::string(kStream) + "?types=orders.order_confirmed.v1",
                          admin);
  SseReader payments(server.port(), std::string(kStream) + "?source=payments", admin);
  SseReader by_prefix(server.port(), std::string(kStream) + "?types=inventory.stock_reserved",
                      admin);
  REQUIRE(all.status() == 200);

  auto order = place(client, customer, product, "tok_visa_CANARY4417");
  wait_for_status(client, customer, order, {"confirmed"});
  auto key = std::to_string(order);

  auto seen = frames_until(all, "orders.order_confirmed.v1", key);
  REQUIRE(!seen.empty());
  CHECK(seen.back().event == "orders.order_confirmed.v1");
  auto sources = sources_of(seen);
  CHECK(sources.count("orders") == 1);
  CHECK(sources.count("inventory") == 1);
  CHECK(sources.count("payments") == 1);
  std::set<std::string> ids;
  for (const auto& frame : seen) {
    auto data = boost::json::parse(frame.data).as_object();
    CHECK(frame.id == data.at("id").as_string().c_str());
    CHECK(frame.event == data.at("type").as_string().c_str());
    for (const auto* field : {"time", "correlation_id", "key", "data", "source"}) {
      CHECK_MESSAGE(data.contains(field), field);
    }
    CHECK(ids.insert(frame.id).second);  // each event once
    // The card token is for Payments only: neither in the clear nor sealed.
    CHECK(frame.data.find("CANARY4417") == std::string::npos);
    CHECK(frame.data.find("sealed") == std::string::npos);
    CHECK(frame.data.find("payment_token") == std::string::npos);
  }
  auto placed = std::find_if(seen.begin(), seen.end(),
                             [](const auto& f) { return f.event == "orders.order_placed.v2"; });
  REQUIRE(placed != seen.end());
  // One trace follows the order through every module.
  auto trace = boost::json::parse(placed->data).at("correlation_id");
  for (const auto& frame : seen) {
    if (boost::json::parse(frame.data).at("key") == key.c_str()) {
      CHECK(boost::json::parse(frame.data).at("correlation_id") == trace);
    }
  }

  auto confirmed = confirmations.next(5s);
  REQUIRE(confirmed);
  CHECK(confirmed->event == "orders.order_confirmed.v1");
  CHECK(!confirmations.next(300ms));  // nothing else passes the filter

  auto reserved = by_prefix.next(5s);
  REQUIRE(reserved);
  CHECK(reserved->event == "inventory.stock_reserved.v1");

  auto payment_frames = payments.take(1, 5s);
  REQUIRE(payment_frames.size() == 1);
  CHECK(payment_frames[0].event == "payments.payment_succeeded.v1");
  CHECK(!payments.next(300ms));
}

TEST_CASE(
    "Last-Event-ID resumes after that event: from memory, and from the outboxes after a "
    "restart") {
  TempDir dir;
  std::string resume_from;
  std::vector<std::string> after_it;
  std::int64_t second = 0;
  {
    ServerProcess server(dir.path(), {}, admin_env());
    HttpClient client(server.port());
    auto admin = admin_headers(client);
    auto customer = customer_headers(client, "resume-customer@mart.test");
    auto product = create_stocked_product(client, admin, "Coffee", 900, 10);

    SseReader first(server.port(), kStream, admin);
    auto order = place(client, customer, product);
    auto seen = frames_until(first, "orders.order_confirmed.v1", std::to_string(order));
    REQUIRE(seen.size() >= 4);
    resume_from = seen[1].id;  // the client saw two events, then lost the connection

    second = place(client, customer, product);
    wait_for_status(client, customer, second, {"confirmed"});
    // From memory (the ring): exactly the events after it, in the order first saw them.
    auto rest = frames_until(first, "orders.order_confirmed.v1", std::to_string(second));
    for (std::size_t i = 2; i < seen.size(); ++i) after_it.push_back(seen[i].id);
    for (const auto& f : rest) after_it.push_back(f.id);

    SseReader resumed(server.port(), kStream, [&] {
      auto h = admin;
      h.emplace_back("Last-Event-ID", resume_from);
      return h;
    }());
    auto replayed = resumed.take(after_it.size(), 10s);
    std::vector<std::string> ids;
    for (const auto& f : replayed) ids.push_back(f.id);
    CHECK(ids == after_it);
    CHECK(server.terminate() == 0);
  }
  // After a restart the memory is empty: the outboxes answer. Every event after the resume
  // point arrives (other modules' events from just before it may come twice).
  ServerProcess server(dir.path(), {}, admin_env());
  HttpClient client(server.port());
  auto admin = admin_headers(client);
  auto headers = admin;
  headers.emplace_back("Last-Event-ID", resume_from);
  SseReader resumed(server.port(), kStream, headers);
  std::set<std::string> got;
  while (auto frame = resumed.next(2s)) got.insert(frame->id);
  for (const auto& id : after_it) CHECK_MESSAGE(got.count(id) == 1, id);
  CHECK(got.count(resume_from) == 0);

  // An id that names nothing: said so, then live.
  auto unknown = admin;
  unknown.emplace_back("Last-Event-ID", "00000000-0000-0000-0000-000000000000");
  SseReader gap(server.port(), kStream, unknown);
  auto told = gap.next(5s);
  REQUIRE(told);
  CHECK(told->event == "mart.gap");
}

TEST_CASE("open streams are capped, and a closed one gives its place back") {
  TempDir dir;
  auto env = admin_env();
  env["MART_CONSOLE_MAX_STREAMS"] = "2";
  ServerProcess server(dir.path(), {}, env);
  HttpClient client(server.port());
  auto admin = admin_headers(client);
  auto one = std::make_unique<SseReader>(server.port(), kStream, admin);
  SseReader two(server.port(), kStream, admin);
  REQUIRE(one->status() == 200);
  REQUIRE(two.status() == 200);
  SseReader three(server.port(), kStream, admin);
  CHECK(three.status() == 503);
  CHECK(!three.header("retry-after").empty());
  one.reset();  // the client goes away
  CHECK(eventually([&] { return SseReader(server.port(), kStream, admin).status() == 200; }, 5s));
}

TEST_CASE("a reader that never reads is dropped; the order flow does not wait for it") {
  TempDir dir;
  auto env = admin_env();
  env["MART_CONSOLE_STREAM_BUFFER_BYTES"] = "65536";
  ServerProcess server(dir.path(), {}, env);
  HttpClient client(server.port());
  auto admin = admin_headers(client);
  auto customer = customer_headers(client, "slow-reader@mart.test");
  auto product = create_stocked_product(client, admin, "Jam", 300, 100000);

  SseReader stalled(server.port(), kStream, admin, 4096);  // never reads until the end
  REQUIRE(stalled.status() == 200);
  SseReader healthy(server.port(), std::string(kStream) + "?types=orders.order_confirmed", admin);

  // Enough events to fill the socket buffers on both sides and the stream's allowance.
  std::int64_t last = 0;
  bool dropped = false;
  auto deadline = std::chrono::steady_clock::now() + 60s;
  while (!dropped && std::chrono::steady_clock::now() < deadline) {
    for (int i = 0; i < 100; ++i) {
      auto adjusted = client.post("/api/v1/inventory/" + std::to_string(product) + "/adjustments",
                                  R"({"delta":1,"reason":"restock to fill the stream"})", admin);
      REQUIRE(adjusted.status == 200);
    }
    last = place(client, customer, product);
    auto metrics = client.get("/metrics").body;
    dropped = metrics.find("reason=\"stream_reader_behind\"") != std::string::npos;
  }
  CHECK(dropped);
  // The last order went through while the reader stalled, and the healthy reader saw it.
  wait_for_status(client, customer, last, {"confirmed"});
  auto seen = frames_until(healthy, "orders.order_confirmed.v1", std::to_string(last));
  CHECK(!seen.empty());
  // The stalled reader's connection was closed by the server: what it holds, then the end.
  CHECK(stalled.ends_within(10s));
}

namespace {

// A loopback port nothing listens on (bound once, then released).
std::uint16_t closed_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  socklen_t length = sizeof address;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  ::close(fd);
  return ntohs(address.sin_port);
}

const std::string kSharedSecret = "event-stream-split-secret-0123456789abcdef";

}  // namespace

TEST_CASE(
    "split mode: the gateway's stream merges every process's events and names the one "
    "that does not answer") {
  TempDir p_dir;
  TempDir q_dir;
  TempDir g_dir;
  auto q_env = admin_env();
  q_env["MART_JWT_SECRET"] = kSharedSecret;
  ServerProcess p(p_dir.path(), {"--modules", "products"}, {{"MART_JWT_SECRET", kSharedSecret}});
  ServerProcess q(q_dir.path(), {"--modules", "users"}, q_env);
  auto up = [](std::uint16_t port) { return "http://127.0.0.1:" + std::to_string(port); };
  auto down = up(closed_port());
  ServerProcess g(g_dir.path(),
                  {"--modules", "none", "--upstream", "products=" + up(p.port()), "--upstream",
                   "users=" + up(q.port()), "--upstream", "payments=" + down},
                  {{"MART_JWT_SECRET", kSharedSecret}});
  HttpClient gateway(g.port());
  auto admin = admin_headers(gateway);

  SseReader merged(g.port(), kStream, admin);
  REQUIRE(merged.status() == 200);
  // The process that does not answer is named, with the modules it was to host.
  auto unavailable = merged.next(10s);
  REQUIRE(unavailable);
  CHECK(unavailable->event == "mart.unavailable");
  auto told = boost::json::parse(unavailable->data);
  CHECK(told.at("upstream") == down.c_str());
  CHECK(told.at("modules").as_array().at(0) == "payments");

  // Events of both live processes arrive through the gateway: products publishes in P, users
  // in Q.
  auto created =
      gateway.post("/api/v1/products", R"({"name":"Split tea","price_cents":300})", admin);
  REQUIRE(created.status == 201);
  customer_headers(gateway, "split-stream@mart.test");
  std::set<std::string> types;
  std::string product_event;
  for (int i = 0; i < 20 && !(types.count("products.product_created.v1") &&
                              types.count("users.user_registered.v1"));
       ++i) {
    auto frame = merged.next(5s);
    if (!frame) break;
    types.insert(frame->event);
    if (frame->event == "products.product_created.v1") product_event = frame->id;
  }
  CHECK(types.count("products.product_created.v1") == 1);
  CHECK(types.count("users.user_registered.v1") == 1);

  // A resume through the gateway after the product's event: the user's registration (in the
  // other process, after it) comes again.
  auto headers = admin;
  headers.emplace_back("Last-Event-ID", product_event);
  SseReader resumed(g.port(), std::string(kStream) + "?source=users", headers);
  bool registered_again = false;
  while (auto frame = resumed.next(3s)) {
    if (frame->event == "users.user_registered.v1" &&
        frame->data.find("split-stream@mart.test") != std::string::npos) {
      registered_again = true;
      break;
    }
  }
  CHECK(registered_again);

  // scope=local: only the answering process (the gateway hosts nothing, so nothing comes).
  SseReader local(g.port(), std::string(kStream) + "?scope=local", admin);
  CHECK(local.status() == 200);
  CHECK(!local.next(1s));
}
