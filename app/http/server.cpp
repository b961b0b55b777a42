#include "http/server.hpp"

#include "http/listener.hpp"
#include "http/server_state.hpp"
#include "http/session.hpp"
#include "kernel/log.hpp"
#include "kernel/thread_name.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>

#include <algorithm>
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
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;

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
  std::shared_ptr<detail::Listener> listener;
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
    m.listener = std::make_shared<detail::Listener>(*m.contexts.front(), std::move(targets),
                                                    m.state, endpoint, description);
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
  for (std::size_t i = 0; i < m.contexts.size(); ++i) {
    m.threads.emplace_back([&m, raw = m.contexts[i].get(), i] {
      kernel::name_this_thread(kernel::thread_name_with_number("http-io-", i + 1));
      m.run_thread(*raw);
    });
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
