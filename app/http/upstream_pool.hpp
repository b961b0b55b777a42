#pragma once
// Private to app/http: idle keep-alive connections to upstreams, one pool per io_context (an Asio
// service, so it lives and dies with its I/O thread's context and needs no lock: only that thread
// touches it). A forwarded exchange takes a connection, and gives it back when the upstream's
// answer was complete and the connection may be kept.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/execution_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace mart::http::detail {

class UpstreamPool : public boost::asio::execution_context::service {
 public:
  // Idle connections kept per upstream (and I/O thread); more are closed when given back.
  static constexpr std::size_t kMaxIdlePerUpstream = 16;
  // An idle connection older than this is closed rather than reused: well below the 30 s an
  // upstream mart keeps an idle connection open, so the upstream rarely closes one under us.
  static constexpr std::chrono::seconds kMaxIdleTime{10};

  static boost::asio::execution_context::id id;

  explicit UpstreamPool(boost::asio::execution_context& context);

  // The pool of the I/O thread that runs `executor`'s context.
  static UpstreamPool& of(const boost::asio::any_io_executor& executor);

  // A live idle connection to `upstream` ("host:port"), most recently used first; nothing when
  // none.
  std::optional<boost::asio::ip::tcp::socket> take(const std::string& upstream);
  void give_back(const std::string& upstream, boost::asio::ip::tcp::socket socket);

  std::size_t idle() const;

 private:
  struct Idle {
    boost::asio::ip::tcp::socket socket;
    std::chrono::steady_clock::time_point since;
  };

  void shutdown() override;  // closes every idle connection
  void prune(std::vector<Idle>& list);

  std::unordered_map<std::string, std::vector<Idle>> idle_;
};

}  // namespace mart::http::detail
