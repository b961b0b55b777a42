#pragma once
// The HTTP part shared by the ceiling servers: a minimal Boost.Beast HTTP/1.1 server in its best
// configuration on this machine (design.md, "Facts measured"): one io_context per thread, one
// acceptor handing connections round-robin to the threads, async sessions with keep-alive.
// Each thread owns one Handler, built before the threads start and used only by that thread, so
// handlers need no locking of their own (a SQLite connection per thread, for example).
//
// A Handler has `void handle(const Request&, Response&)`; the server sets version and keep-alive.

#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace bench {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;

inline constexpr std::chrono::seconds kIdleTimeout{30};
inline constexpr std::uint32_t kHeaderLimit = 8 * 1024;
inline constexpr std::uint64_t kBodyLimit = std::uint64_t{64} * 1024;

struct Options {
  unsigned short port = 0;
  int threads = 1;
  std::string db;
};

[[noreturn]] inline void usage(const char* program, bool needs_db) {
  std::fprintf(stderr, "usage: %s --port N --threads T%s\n", program, needs_db ? " --db FILE" : "");
  std::exit(2);
}

inline Options parse_options(int argc, char** argv, bool needs_db) {
  Options options;
  auto number = [&](std::string_view text, long low, long high) {
    long value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || end != text.data() + text.size() || value < low || value > high) {
      usage(argv[0], needs_db);
    }
    return value;
  };
  for (int i = 1; i < argc; ++i) {
    std::string_view flag = argv[i];
    if (i + 1 >= argc) usage(argv[0], needs_db);
    std::string_view value = argv[++i];
    if (flag == "--port") {
      options.port = static_cast<unsigned short>(number(value, 0, 65535));
    } else if (flag == "--threads") {
      options.threads = static_cast<int>(number(value, 1, 256));
    } else if (flag == "--db") {
      options.db = value;
    } else {
      usage(argv[0], needs_db);
    }
  }
  if (needs_db && options.db.empty()) usage(argv[0], needs_db);
  return options;
}

// Fills `res` with a small JSON (or problem+json) answer.
inline void set_json(Response& res, http::status status, std::string body,
                     std::string_view content_type = "application/json") {
  res.result(status);
  res.set(http::field::content_type, content_type);
  res.body() = std::move(body);
}

inline void set_problem(Response& res, http::status status) {
  std::string body = R"({"type":"about:blank","title":")";
  body += http::obsolete_reason(status);
  body += R"(","status":)";
  body += std::to_string(static_cast<unsigned>(status));
  body += '}';
  set_json(res, status, std::move(body), "application/problem+json");
}

template <class Handler>
class Session : public std::enable_shared_from_this<Session<Handler>> {
 public:
  Session(tcp::socket&& socket, Handler& handler) : stream_(std::move(socket)), handler_(handler) {}

  void run() {
    net::dispatch(stream_.get_executor(),
                  beast::bind_front_handler(&Session::do_read, this->shared_from_this()));
  }

 private:
  void do_read() {
    parser_.emplace();
    parser_->header_limit(kHeaderLimit);
    parser_->body_limit(kBodyLimit);
    stream_.expires_after(kIdleTimeout);
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&Session::on_read, this->shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t /*bytes*/) {
    if (ec) return close();  // end of stream, timeout, limits or garbage: nothing to answer
    const Request& req = parser_->get();
    res_ = {};
    res_.version(req.version());
    res_.keep_alive(req.keep_alive());
    handler_.handle(req, res_);
    res_.prepare_payload();
    http::async_write(stream_, res_,
                      beast::bind_front_handler(&Session::on_write, this->shared_from_this()));
  }

  void on_write(beast::error_code ec, std::size_t /*bytes*/) {
    if (ec || !res_.keep_alive()) return close();
    do_read();
  }

  void close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  Response res_;
  Handler& handler_;
};

// Runs the server until SIGINT or SIGTERM. `make_handler(thread_index)` builds each thread's
// handler (returning std::unique_ptr<Handler>), on the main thread, before any request.
template <class Handler, class MakeHandler>
int serve(const Options& options, MakeHandler make_handler) {
  const auto threads = static_cast<std::size_t>(options.threads);
  // Declared before the contexts, so the sessions (destroyed with their context) go first.
  std::vector<std::unique_ptr<Handler>> handlers;
  std::vector<std::unique_ptr<net::io_context>> contexts;
  using Guard = net::executor_work_guard<net::io_context::executor_type>;
  std::vector<Guard> guards;
  for (std::size_t i = 0; i < threads; ++i) {
    contexts.push_back(std::make_unique<net::io_context>(1));
    handlers.push_back(make_handler(i));
    guards.push_back(net::make_work_guard(*contexts.back()));
  }

  net::io_context& main_context = *contexts.front();
  tcp::acceptor acceptor(main_context);
  const tcp::endpoint endpoint(net::ip::make_address("127.0.0.1"), options.port);
  acceptor.open(endpoint.protocol());
  acceptor.set_option(net::socket_base::reuse_address(true));
  acceptor.bind(endpoint);
  acceptor.listen(net::socket_base::max_listen_connections);

  std::size_t next = 0;
  std::function<void()> do_accept = [&] {
    const std::size_t index = next++ % threads;
    acceptor.async_accept(*contexts[index], [&, index](beast::error_code ec, tcp::socket socket) {
      if (ec == net::error::operation_aborted) return;
      if (!ec) {
        socket.set_option(tcp::no_delay(true), ec);
        std::make_shared<Session<Handler>>(std::move(socket), *handlers[index])->run();
      }
      do_accept();
    });
  };
  do_accept();

  net::signal_set signals(main_context, SIGINT, SIGTERM);
  signals.async_wait([&](beast::error_code, int) {
    beast::error_code ignored;
    acceptor.close(ignored);
    for (auto& guard : guards) guard.reset();
    for (auto& context : contexts) context->stop();
  });

  std::printf("listening on 127.0.0.1:%u\n", acceptor.local_endpoint().port());
  std::fflush(stdout);

  std::vector<std::thread> workers;
  for (std::size_t i = 1; i < threads; ++i) {
    workers.emplace_back([&context = *contexts[i]] { context.run(); });
  }
  main_context.run();
  for (auto& worker : workers) worker.join();
  return 0;
}

// "/api/v1/products/123" (optionally with a query) -> 123; anything else -> nullopt.
inline std::optional<std::int64_t> product_id(std::string_view target) {
  constexpr std::string_view prefix = "/api/v1/products/";
  if (!target.starts_with(prefix)) return std::nullopt;
  target.remove_prefix(prefix.size());
  target = target.substr(0, target.find('?'));
  std::int64_t id = 0;
  auto [end, ec] = std::from_chars(target.data(), target.data() + target.size(), id);
  if (ec != std::errc{} || end != target.data() + target.size() || id <= 0) return std::nullopt;
  return id;
}

}  // namespace bench
