#include "http/listener.hpp"

#include "http/adapter.hpp"
#include "http/http_metrics.hpp"
#include "http/session.hpp"
#include "kernel/ids.hpp"
#include "kernel/log.hpp"

#include <boost/asio/post.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/write.hpp>

#include <array>
#include <chrono>
#include <stdexcept>
#include <string_view>
#include <utility>

namespace mart::http::detail {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;

// After a failed accept (e.g. out of file descriptors) wait a little instead of spinning.
constexpr std::chrono::milliseconds kAcceptRetryDelay{100};

// A connection beyond max_connections: answered 503 (problem+json, Retry-After: 1, Connection:
// close) without reading its request, then closed after a short, bounded drain of what the client
// sent (so that closing does not reset the connection before the client read the answer). Costs
// one small buffer and at most kRefusalTime per refused connection.
class Refusal : public std::enable_shared_from_this<Refusal> {
 public:
  static constexpr std::chrono::milliseconds kRefusalTime{1'000};
  static constexpr std::size_t kMaxDrain = std::size_t{64} * 1024;

  Refusal(tcp::socket socket, std::string_view detail) : stream_(std::move(socket)) {
    response_ = server_problem(503, detail, kernel::unique_hex_id());
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
  BeastResponse response_;
  std::array<char, 4096> drain_{};
  std::size_t drained_ = 0;
};

}  // namespace

Listener::Listener(asio::io_context& context, std::vector<asio::io_context*> targets,
                   std::shared_ptr<ServerState> state, const tcp::endpoint& endpoint,
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

void Listener::run() {
  asio::post(acceptor_.get_executor(),
             beast::bind_front_handler(&Listener::do_accept, shared_from_this()));
}

void Listener::close() {
  asio::post(acceptor_.get_executor(), [self = shared_from_this()] {
    error_code ignored;
    self->acceptor_.close(ignored);
    self->retry_timer_.cancel();
  });
}

void Listener::do_accept() {
  auto& target = *targets_[next_target_];
  next_target_ = (next_target_ + 1) % targets_.size();
  acceptor_.async_accept(target,
                         beast::bind_front_handler(&Listener::on_accept, shared_from_this()));
}

void Listener::on_accept(error_code ec, tcp::socket socket) {
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
    http_metrics().rejected.with({"max_connections"}).inc();
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
    http_metrics().rejected.with({"max_connections_per_client"}).inc();
    std::make_shared<Refusal>(std::move(socket),
                              "This client has as many connections open as it may "
                              "(http.max_connections_per_client); retry shortly.")
        ->run();
    return do_accept();
  }
  auto session = std::make_shared<Session>(std::move(socket), state_, std::move(peer));
  if (state_->add(session)) session->run();  // else: stopping, the socket is dropped
  do_accept();
}

}  // namespace mart::http::detail
