#include "http/server.hpp"

#include "http/http_metrics.hpp"
#include "http/session.hpp"
#include "kernel/ids.hpp"
#include "kernel/log.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/write.hpp>

#include <algorithm>
#include <array>
#include <condition_variable>
#include <csignal>
#include <exception>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>
#include <utility>
#include <vector>

namespace mart::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;

// After a failed accept (e.g. out of file descriptors) wait a little instead of spinning.
constexpr std::chrono::milliseconds kAcceptRetryDelay{100};

std::string describe(const std::string& host, std::uint16_t port) {
  return (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" +
         std::to_string(port);
}

tcp::endpoint resolve(asio::io_context& context, const std::string& host, std::uint16_t port) {
  error_code ec;
  auto address = asio::ip::make_address(host, ec);
  if (!ec) return {address, port};
  tcp::resolver resolver(context);
  auto results = resolver.resolve(host, std::to_string(port), ec);
  if (ec || results.empty()) {
    throw std::runtime_error("cannot resolve listen address " + describe(host, port) + ": " +
                             (ec ? ec.message() : std::string("no addresses")));
  }
  return results.begin()->endpoint();
}

// A connection beyond max_connections: answered 503 (problem+json, Retry-After: 1, Connection:
// close) without reading its request, then closed after a short, bounded drain of what the client
// sent (so that closing does not reset the connection before the client read the answer). Costs
// one small buffer and at most kRefusalTime per refused connection.
class Refusal : public std::enable_shared_from_this<Refusal> {
 public:
  static constexpr std::chrono::milliseconds kRefusalTime{1'000};
  static constexpr std::size_t kMaxDrain = 64 * 1024;

  Refusal(tcp::socket socket, std::string_view detail) : stream_(std::move(socket)) {
    response_ = detail::server_problem(503, detail, kernel::unique_hex_id());
    response_.set("Retry-After", "1");
  }

  void run() {
    stream_.expires_after(kRefusalTime);
    boost::beast::http::async_write(
        stream_, response_, beast::bind_front_handler(&Refusal::on_write, shared_from_this()));
  }

 private:
  void on_write(error_code ec, std::size_t /*bytes*/) {
    if (ec) return close();
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    if (ec) return close();
    do_drain();
  }
  void do_drain() {
    stream_.async_read_some(asio::buffer(drain_),
                            beast::bind_front_handler(&Refusal::on_drain, shared_from_this()));
  }
  void on_drain(error_code ec, std::size_t bytes) {
    drained_ += bytes;
    if (ec || drained_ > kMaxDrain) return close();
    do_drain();
  }
  void close() {
    error_code ignored;
    stream_.socket().close(ignored);
  }

  beast::tcp_stream stream_;
  detail::BeastResponse response_;
  std::array<char, 4096> drain_{};
  std::size_t drained_ = 0;
};

// Accepts connections on the first io_context and hands each socket to the next io_context in
// turn, where its Session runs.
class Listener : public std::enable_shared_from_this<Listener> {
 public:
  Listener(asio::io_context& context, std::vector<asio::io_context*> targets,
           std::shared_ptr<detail::ServerState> state, const tcp::endpoint& endpoint,
           const std::string& description)
      : acceptor_(context),
        retry_timer_(context),
        targets_(std::move(targets)),
        state_(std::move(state)) {
    error_code ec;
    auto check = [&](std::string_view step) {
      if (ec) {
        throw std::runtime_error("cannot listen on " + description + " (" + std::string(step) +
                                 "): " + ec.message());
      }
    };
    acceptor_.open(endpoint.protocol(), ec);
    check("open");
    acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    check("set_option");
    acceptor_.bind(endpoint, ec);
    check("bind");
    acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    check("listen");
  }

  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }

  void run() {
    asio::post(acceptor_.get_executor(),
               beast::bind_front_handler(&Listener::do_accept, shared_from_this()));
  }

  // Any thread: stop accepting.
  void close() {
    asio::post(acceptor_.get_executor(), [self = shared_from_this()] {
      error_code ignored;
      self->acceptor_.close(ignored);
      self->retry_timer_.cancel();
    });
  }

 private:
  void do_accept() {
    auto& target = *targets_[next_target_];
    next_target_ = (next_target_ + 1) % targets_.size();
    acceptor_.async_accept(target,
                           beast::bind_front_handler(&Listener::on_accept, shared_from_this()));
  }

  void on_accept(error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
    if (ec) {
      kernel::log::warn("http", "accept failed: " + ec.message());
      retry_timer_.expires_after(kAcceptRetryDelay);
      retry_timer_.async_wait([self = shared_from_this()](error_code wait_ec) {
        if (!wait_ec) self->do_accept();
      });
      return;
    }
    if (state_->full()) {
      detail::http_metrics().rejected.with({"max_connections"}).inc();
      std::make_shared<Refusal>(std::move(socket),
                                "The server has as many connections open as it may "
                                "(http.max_connections); retry shortly.")
          ->run();
      return do_accept();
    }
    error_code peer_ec;
    auto remote = socket.remote_endpoint(peer_ec);
    auto peer = peer_ec ? std::string() : remote.address().to_string();
    // One client cannot hold every connection slot (issue #13, item 8).
    if (!state_->admit_client(peer)) {
      detail::http_metrics().rejected.with({"max_connections_per_client"}).inc();
      std::make_shared<Refusal>(std::move(socket),
                                "This client has as many connections open as it may "
                                "(http.max_connections_per_client); retry shortly.")
          ->run();
      return do_accept();
    }
    auto session = std::make_shared<detail::Session>(std::move(socket), state_, std::move(peer));
    if (state_->add(session)) session->run();  // else: stopping, the socket is dropped
    do_accept();
  }

  tcp::acceptor acceptor_;
  asio::steady_timer retry_timer_;
  std::vector<asio::io_context*> targets_;
  std::size_t next_target_ = 0;
  std::shared_ptr<detail::ServerState> state_;
};

}  // namespace

struct Server::Impl {
  Impl(ServerOptions options, RequestHandler handler)
      : state(std::make_shared<detail::ServerState>(std::move(options), std::move(handler))) {}

  bool on_io_thread() const {
    auto self = std::this_thread::get_id();
    return std::any_of(threads.begin(), threads.end(),
                       [&](const std::thread& t) { return t.get_id() == self; });
  }

  void run_thread(asio::io_context& context) {
    for (;;) {
      try {
        context.run();
        break;
      } catch (const std::exception& error) {
        kernel::log::error("http", std::string("I/O thread caught: ") + error.what());
      }
    }
    {
      std::lock_guard lock(mutex);
      --running_threads;
    }
    threads_done.notify_all();
  }

  std::shared_ptr<detail::ServerState> state;
  // Declared before the listener: the listener's acceptor must go first.
  std::vector<std::unique_ptr<asio::io_context>> contexts;
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> work;
  std::shared_ptr<Listener> listener;
  std::vector<std::thread> threads;
  asio::io_context signal_context{1};
  // SIGINT and SIGTERM, caught from start() on: one that arrives before wait_for_signal() (the
  // server may already answer by then) waits for it instead of killing the process.
  std::optional<asio::signal_set> signals;

  std::mutex mutex;  // guards the flags below and running_threads
  std::condition_variable threads_done;
  int running_threads = 0;
  bool started = false;
  bool stop_begun = false;
  std::mutex join_mutex;  // one joiner at a time
  bool joined = false;
};

Server::Server(ServerOptions options, RequestHandler handler)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(handler))) {}

Server::~Server() {
  try {
    stop();
  } catch (const std::exception& error) {
    kernel::log::error("http", std::string("stopping the server failed: ") + error.what());
  }
  impl_->contexts.clear();  // if stop() had to leave them (see there)
}

std::uint16_t Server::start() {
  auto& m = *impl_;
  std::lock_guard lock(m.mutex);
  if (m.started) throw std::logic_error("mart::http::Server::start() called twice");
  if (m.stop_begun) throw std::logic_error("mart::http::Server::start() called after stop()");
  const auto& options = m.state->options();
  const int thread_count = std::max(1, options.io_threads);
  for (int i = 0; i < thread_count; ++i)
    m.contexts.push_back(std::make_unique<asio::io_context>(1));

  const auto description = describe(options.host, options.port);
  tcp::endpoint endpoint;
  try {
    endpoint = resolve(*m.contexts.front(), options.host, options.port);
    std::vector<asio::io_context*> targets;
    for (auto& context : m.contexts) targets.push_back(context.get());
    m.listener = std::make_shared<Listener>(*m.contexts.front(), std::move(targets), m.state,
                                            endpoint, description);
  } catch (...) {
    m.listener.reset();
    m.contexts.clear();
    throw;
  }
  const auto port = m.listener->port();

  for (auto& context : m.contexts) m.work.push_back(asio::make_work_guard(*context));
  m.signals.emplace(m.signal_context, SIGINT, SIGTERM);
  m.started = true;
  m.running_threads = thread_count;
  for (auto& context : m.contexts) {
    m.threads.emplace_back([&m, raw = context.get()] { m.run_thread(*raw); });
  }
  m.listener->run();
  kernel::log::info("http", "listening on " + describe(endpoint.address().to_string(), port) +
                                " with " + std::to_string(thread_count) + " I/O threads");
  return port;
}

void Server::stop() {
  auto& m = *impl_;
  std::vector<std::shared_ptr<detail::Session>> sessions;
  {
    std::lock_guard lock(m.mutex);
    if (!m.stop_begun) {
      m.stop_begun = true;
      sessions = m.state->begin_stop();
      m.signal_context.stop();
      if (m.listener) m.listener->close();
      m.work.clear();  // the I/O threads return once their sessions are gone
    }
  }
  for (auto& session : sessions) session->shutdown();
  sessions.clear();
  if (m.on_io_thread()) return;  // cannot join ourselves; ~Server completes the stop

  std::lock_guard join_lock(m.join_mutex);
  if (m.joined) return;
  {
    std::unique_lock lock(m.mutex);
    const auto grace = m.state->options().shutdown_grace;
    if (!m.threads_done.wait_for(lock, grace, [&] { return m.running_threads == 0; })) {
      kernel::log::warn("http", "requests still running after the shutdown grace period of " +
                                    std::to_string(grace.count()) + " ms; stopping by force");
      for (auto& context : m.contexts) context->stop();
    }
  }
  for (auto& thread : m.threads) thread.join();
  m.threads.clear();
  m.listener.reset();
  // Destroys what a forced stop left queued, closing those connections; unless a deferred
  // answer's reply may still post to its context (its owner drains it: Application::stop
  // drains the request writers before destroying the server), then ~Server does.
  if (m.state->deferred() == 0) m.contexts.clear();
  m.joined = true;
  if (m.started) kernel::log::info("http", "server stopped");
}

void Server::wait_for_signal() {
  auto& m = *impl_;
  {
    std::lock_guard lock(m.mutex);
    if (m.stop_begun) return;
    m.signal_context.restart();
    if (!m.signals) m.signals.emplace(m.signal_context, SIGINT, SIGTERM);
  }
  m.signals->async_wait([](const error_code& ec, int signal_number) {
    if (!ec) kernel::log::info("http", "received signal " + std::to_string(signal_number));
  });
  m.signal_context.run();
}

std::size_t Server::open_connections() const {
  return impl_->state->size();
}

}  // namespace mart::http
