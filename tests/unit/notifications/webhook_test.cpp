#include "webhook/webhook_channel.hpp"

#include "hmac.hpp"
#include "recording_bus.hpp"
#include "store/notification_store.hpp"

#include <orders/events.hpp>
#include <users/events.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json/parse.hpp>

#include <doctest/doctest.h>
#include <sodium.h>

#include <cstdlib>
#include <future>
#include <thread>

using namespace std::chrono_literals;
using mart::test::hmac_hex;
using mart::webhook::WebhookChannel;
using mart::webhook::WebhookOptions;

namespace {

constexpr const char* kSecret = "a shared secret of 32 bytes, more";

namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

// A one-shot HTTP receiver on 127.0.0.1:<ephemeral>: takes one request, records it, answers
// with `status` (or, when `answer` is false, holds the connection open without a word).
class Receiver {
 public:
  explicit Receiver(unsigned status = 204, bool answer = true)
      : status_(status),
        answer_(answer),
        acceptor_(context_, {asio::ip::address_v4::loopback(), 0}) {
    acceptor_.async_accept([this](boost::system::error_code ec, tcp::socket socket) {
      if (!ec) serve(std::move(socket));
    });
    // Bounded: if no client comes, the thread ends on its own.
    thread_ = std::thread([this] { context_.run_for(10s); });
  }
  ~Receiver() {
    release_.set_value();
    context_.stop();
    if (thread_.joinable()) thread_.join();
  }

  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }
  std::string url(const std::string& path = "/hooks/mart") const {
    return "http://127.0.0.1:" + std::to_string(port()) + path;
  }
  // Waits for the one exchange to end, then hands over the request it received.
  http::request<http::string_body> received() {
    thread_.join();
    return request_;
  }

 private:
  void serve(tcp::socket socket) {
    boost::beast::flat_buffer buffer;
    boost::system::error_code ec;
    http::read(socket, buffer, request_, ec);
    if (ec) return;
    if (!answer_) {
      released_.wait_for(10s);
      return;
    }
    http::response<http::string_body> response{static_cast<http::status>(status_), 11};
    response.body() = "{}";
    response.prepare_payload();
    http::write(socket, response, ec);
  }

  unsigned status_;
  bool answer_;
  asio::io_context context_;
  tcp::acceptor acceptor_;
  std::thread thread_;
  std::promise<void> release_;
  std::future<void> released_ = release_.get_future();
  http::request<http::string_body> request_;
};

notifications::Delivery sample_delivery() {
  return {42,
          7,
          "ada@example.com",
          "Ada",
          "orders.order_shipped.v1",
          12,
          "Your order #12 has shipped.",
          "2026-01-02T03:04:05.000Z"};
}

// The receiver's check, as docs tell receivers to make it: recompute the HMAC over
// "<t>.<body>", compare in constant time, refuse a t more than 300 s from the receiver's clock.
bool receiver_accepts(const std::string& header, const std::string& body, const std::string& secret,
                      std::int64_t now) {
  if (!header.starts_with("t=")) return false;
  auto comma = header.find(",v1=");
  if (comma == std::string::npos) return false;
  auto t_text = header.substr(2, comma - 2);
  std::int64_t t = 0;
  try {
    t = std::stoll(t_text);
  } catch (const std::exception&) {
    return false;
  }
  if (std::abs(now - t) > 300) return false;
  auto expected = hmac_hex(secret, t_text + "." + body);
  auto given = header.substr(comma + 4);
  return given.size() == expected.size() &&
         sodium_memcmp(given.data(), expected.data(), expected.size()) == 0;
}

WebhookChannel channel_to(const std::string& url, std::chrono::milliseconds timeout = 2s) {
  return WebhookChannel(WebhookOptions{url, kSecret, timeout});
}

}  // namespace

TEST_SUITE("notifications") {
  TEST_CASE("[Webhook] posts the delivery as signed JSON to the configured path") {
    Receiver receiver(200);
    auto channel = channel_to(receiver.url("/hooks/mart?via=test"));
    CHECK(channel.name() == "webhook");
    channel.deliver(sample_delivery());
    auto request = receiver.received();

    CHECK(request.method() == http::verb::post);
    CHECK(request.target() == "/hooks/mart?via=test");
    CHECK(request[http::field::host] == "127.0.0.1:" + std::to_string(receiver.port()));
    CHECK(request[http::field::content_type] == "application/json");
    auto body = boost::json::parse(request.body()).as_object();
    CHECK(body.size() == 7);
    CHECK(body.at("notification_id") == 42);
    CHECK(body.at("user_id") == 7);
    CHECK(body.at("email") == "ada@example.com");
    CHECK(body.at("event_type") == "orders.order_shipped.v1");
    CHECK(body.at("order_id") == 12);
    CHECK(body.at("message") == "Your order #12 has shipped.");
    CHECK(body.at("created_at") == "2026-01-02T03:04:05.000Z");

    // t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">: the time is signed too.
    auto signature = std::string(request["X-Mart-Signature"]);
    REQUIRE(signature.starts_with("t="));
    auto comma = signature.find(",v1=");
    REQUIRE(comma != std::string::npos);
    auto t = signature.substr(2, comma - 2);
    auto now = std::chrono::duration_cast<std::chrono::seconds>(
                   std::chrono::system_clock::now().time_since_epoch())
                   .count();
    CHECK(std::abs(std::stoll(t) - now) <= 5);
    CHECK(signature.substr(comma + 4) == hmac_hex(kSecret, t + "." + request.body()));
    CHECK(signature.size() == comma + 4 + 64);
    // The receiver's check accepts it now and refuses it replayed six minutes later.
    CHECK(receiver_accepts(signature, request.body(), kSecret, now));
    CHECK_FALSE(receiver_accepts(signature, request.body(), kSecret, now + 360));
    CHECK_FALSE(receiver_accepts(signature, request.body() + " ", kSecret, now));
    CHECK_FALSE(receiver_accepts(signature, request.body(), std::string(kSecret) + "x", now));
  }

  TEST_CASE("[Webhook] the signature is HMAC-SHA256 (RFC 4231 test case 2) over <t>.<body>") {
    CHECK(WebhookChannel::hmac_hex("what do ya want for nothing?", "Jefe") ==
          "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    CHECK(WebhookChannel::signature_of("{}", "Jefe", 1700000000) ==
          "t=1700000000,v1=" + WebhookChannel::hmac_hex("1700000000.{}", "Jefe"));
  }

  TEST_CASE("[Webhook] a non-2xx answer, a closed port and a silent receiver all throw") {
    SUBCASE("500") {
      Receiver receiver(500);
      auto channel = channel_to(receiver.url());
      CHECK_THROWS_WITH_AS(channel.deliver(sample_delivery()), doctest::Contains("answered 500"),
                           std::runtime_error);
    }
    SUBCASE("closed port") {
      std::string url;
      {
        asio::io_context context;
        tcp::acceptor acceptor(context, {asio::ip::address_v4::loopback(), 0});
        url = "http://127.0.0.1:" + std::to_string(acceptor.local_endpoint().port()) + "/";
      }  // closed again: nobody listens there now
      auto channel = channel_to(url);
      CHECK_THROWS_AS(channel.deliver(sample_delivery()), std::runtime_error);
    }
    SUBCASE("silent receiver") {
      Receiver receiver(200, false);
      auto channel = channel_to(receiver.url(), 300ms);
      auto start = std::chrono::steady_clock::now();
      CHECK_THROWS_WITH_AS(channel.deliver(sample_delivery()), doctest::Contains("timed out"),
                           std::runtime_error);
      auto took = std::chrono::steady_clock::now() - start;
      CHECK(took >= 250ms);
      CHECK(took < 3s);
    }
  }

  TEST_CASE("[Webhook] only http://host[:port]/path URLs, a secret and a timeout are accepted") {
    auto make = [](std::string url, std::string secret = kSecret,
                   std::chrono::milliseconds t = 1s) {
      WebhookChannel channel(WebhookOptions{std::move(url), std::move(secret), t});
    };
    CHECK_NOTHROW(make("http://127.0.0.1:8081/hook"));
    CHECK_NOTHROW(make("http://hooks.example.com"));
    CHECK_NOTHROW(make("http://[::1]:9000/h"));
    CHECK_THROWS_AS(make("https://hooks.example.com/h"), std::invalid_argument);
    CHECK_THROWS_AS(make("ftp://hooks.example.com/h"), std::invalid_argument);
    CHECK_THROWS_AS(make("hooks.example.com/h"), std::invalid_argument);
    CHECK_THROWS_AS(make("http://user:pw@hooks.example.com/h"), std::invalid_argument);
    CHECK_THROWS_AS(make("http://hooks.example.com:0/h"), std::invalid_argument);
    CHECK_THROWS_AS(make("http:///nohost"), std::invalid_argument);
    CHECK_THROWS_AS(make("not a url"), std::invalid_argument);
    CHECK_THROWS_AS(make("http://127.0.0.1/h", ""), std::invalid_argument);
    // Under 32 bytes: the error names the setting, never the secret.
    CHECK_THROWS_WITH_AS(make("http://127.0.0.1/h", std::string(31, 'k')),
                         doctest::Contains("notifications.webhook_secret"), std::invalid_argument);
    CHECK_NOTHROW(make("http://127.0.0.1/h", std::string(32, 'k')));
    CHECK_THROWS_AS(make("http://127.0.0.1/h", kSecret, 0ms), std::invalid_argument);
  }

  TEST_CASE("[Webhook] as the module's channel: delivered through the bus, the row delivered") {
    Receiver receiver(202);
    mart::test::RecordingBus rb;
    auto& users_bus = rb.host("users");
    auto& orders_bus = rb.host("orders");
    auto& notifications_bus = rb.host("notifications");
    (void)users_bus;
    (void)orders_bus;
    auto module = notifications::make_module(
        notifications_bus,
        std::make_shared<WebhookChannel>(WebhookOptions{receiver.url(), kSecret, 2s}));
    rb.inject("users", users::events::UserRegistered{7, "ada@example.com", "Ada", "customer"});
    rb.inject("orders", orders::events::OrderShipped{12, 7});
    rb.run_until_idle();

    auto request = receiver.received();
    auto body = boost::json::parse(request.body());
    CHECK(body.at("notification_id") == 1);
    CHECK(body.at("email") == "ada@example.com");
    auto n = notifications_bus.db().read(
        [](kernel::Connection& c) { return notifications::store::find(c, 1); });
    REQUIRE(n);
    CHECK(n->channel == "webhook");
    CHECK(n->status == "delivered");
    // A webhook can fail in a way a retry mends: it keeps delivery as its own handler run, with
    // the bus's retries and dead letters.
    CHECK_FALSE(channel_to(receiver.url()).delivers_in_place());
    auto deliveries = notifications_bus.db().read([](kernel::Connection& c) {
      SQLite::Statement count(
          c.raw(), "SELECT COUNT(*) FROM bus_inbox WHERE subscriber = 'notifications.deliver'");
      count.executeStep();
      return count.getColumn(0).getInt64();
    });
    CHECK(deliveries == 1);
  }
}
