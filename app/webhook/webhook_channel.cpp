#include "webhook/webhook_channel.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

#include <sodium.h>

#include <array>
#include <stdexcept>

namespace mart::webhook {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;

// Only the status line and headers are read; a receiver's long answer body is of no interest.
constexpr std::uint32_t kMaxAnswerHeader = 16 * 1024;

std::invalid_argument bad_url(const std::string& why) {
  // The URL itself is not repeated: its query may carry a receiver's token.
  return std::invalid_argument("the notifications webhook URL " + why);
}

}  // namespace

WebhookChannel::WebhookChannel(WebhookOptions options) : options_(std::move(options)) {
  if (sodium_init() < 0) throw std::runtime_error("libsodium could not be initialised");
  if (options_.secret.size() < kMinSecretBytes) {
    throw std::invalid_argument("notifications.webhook_secret must be at least " +
                                std::to_string(kMinSecretBytes) + " bytes long");
  }
  if (options_.timeout <= std::chrono::milliseconds::zero()) {
    throw std::invalid_argument("the notifications webhook timeout must be positive");
  }
  auto parsed = boost::urls::parse_uri(options_.url);
  if (!parsed) throw bad_url("is not an absolute URL");
  const boost::urls::url_view& url = *parsed;
  if (url.scheme_id() != boost::urls::scheme::http) throw bad_url("must start with http://");
  if (url.has_userinfo()) throw bad_url("must not carry credentials");
  if (url.host_type() == boost::urls::host_type::ipvfuture || url.host_address().empty()) {
    throw bad_url("must name a host");
  }
  host_ = url.host_address();  // an IPv6 literal comes without its brackets
  if (url.has_port()) {
    if (url.port_number() == 0) throw bad_url("has an invalid port");
    port_ = std::to_string(url.port_number());
  } else {
    port_ = "80";
  }
  authority_ = url.encoded_host_and_port();
  target_ = url.encoded_path().empty() ? std::string("/") : std::string(url.encoded_path());
  if (url.has_query()) target_ += "?" + std::string(url.encoded_query());
}

std::string WebhookChannel::body_of(const notifications::Delivery& delivery) {
  boost::json::object body;  // keeps insertion order, so the body is stable
  body["notification_id"] = delivery.notification_id;
  body["user_id"] = delivery.user_id;
  body["email"] = delivery.email;
  body["event_type"] = delivery.event_type;
  body["order_id"] = delivery.order_id;
  body["message"] = delivery.message;
  body["created_at"] = delivery.created_at;
  return boost::json::serialize(body);
}

std::string WebhookChannel::signature_of(std::string_view body, std::string_view secret,
                                         std::int64_t unix_seconds) {
  // The time is signed with the body, so a receiver can refuse an old delivery replayed.
  auto t = std::to_string(unix_seconds);
  std::string signed_text;
  signed_text.reserve(t.size() + 1 + body.size());
  signed_text.append(t).append(".").append(body);
  return "t=" + t + ",v1=" + hmac_hex(signed_text, secret);
}

std::string WebhookChannel::hmac_hex(std::string_view data, std::string_view key) {
  // The init/update/final form takes a key of any length (crypto_auth_hmacsha256 wants 32 bytes).
  crypto_auth_hmacsha256_state state;
  std::array<unsigned char, crypto_auth_hmacsha256_BYTES> mac{};
  crypto_auth_hmacsha256_init(&state, reinterpret_cast<const unsigned char*>(key.data()),
                              key.size());
  crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(data.data()),
                                data.size());
  crypto_auth_hmacsha256_final(&state, mac.data());
  sodium_memzero(&state, sizeof state);
  std::array<char, crypto_auth_hmacsha256_BYTES * 2 + 1> hex{};
  sodium_bin2hex(hex.data(), hex.size(), mac.data(), mac.size());
  return std::string(hex.data(), mac.size() * 2);
}

void WebhookChannel::deliver(const notifications::Delivery& delivery) {
  http::request<http::string_body> request{http::verb::post, target_, 11};
  request.set(http::field::host, authority_);
  request.set(http::field::user_agent, "mart-webhook");
  request.set(http::field::content_type, "application/json");
  request.body() = body_of(delivery);
  auto now = std::chrono::duration_cast<std::chrono::seconds>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count();
  request.set("X-Mart-Signature", signature_of(request.body(), options_.secret, now));
  request.keep_alive(false);
  request.prepare_payload();

  // One private io_context per delivery: the exchange is synchronous for the caller (the bus's
  // delivery thread) but built from async steps, so one deadline bounds all of them. Every
  // handler below runs inside run_until() while these locals are alive; the ones still pending
  // when it returns are destroyed with the context, never invoked. (A host name whose lookup
  // hangs can still hold the call past the deadline: Asio waits for its resolver thread.)
  asio::io_context context;
  tcp::resolver resolver(context);
  beast::tcp_stream stream(context);
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> answer;
  answer.header_limit(kMaxAnswerHeader);
  auto deadline = std::chrono::steady_clock::now() + options_.timeout;

  error_code failure;
  std::string failed_at;
  bool answered = false;
  auto fail = [&](error_code ec, const char* step) {
    failure = ec;
    failed_at = step;
  };
  resolver.async_resolve(host_, port_, [&](error_code ec, const tcp::resolver::results_type& at) {
    if (ec) return fail(ec, "resolve");
    // tcp_stream's expiry covers connect, send and the answer together.
    stream.expires_after(std::chrono::duration_cast<std::chrono::steady_clock::duration>(
        deadline - std::chrono::steady_clock::now()));
    stream.async_connect(at, [&](error_code connect_ec, const tcp::endpoint&) {
      if (connect_ec) return fail(connect_ec, "connect");
      http::async_write(stream, request, [&](error_code write_ec, std::size_t) {
        if (write_ec) return fail(write_ec, "send");
        http::async_read_header(stream, buffer, answer, [&](error_code read_ec, std::size_t) {
          if (read_ec) return fail(read_ec, "answer");
          answered = true;
        });
      });
    });
  });
  context.run_until(deadline);

  error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
  std::string where =
      "webhook POST to http://" + authority_ + std::string(target_.substr(0, target_.find('?')));
  if (!answered) {
    if (!failure || failure == beast::error::timeout) {
      throw std::runtime_error(where + " timed out after " +
                               std::to_string(options_.timeout.count()) + " ms");
    }
    throw std::runtime_error(where + " failed (" + failed_at + "): " + failure.message());
  }
  auto status = answer.get().result_int();
  if (status < 200 || status > 299) {
    throw std::runtime_error(where + " answered " + std::to_string(status));
  }
}

}  // namespace mart::webhook
