#pragma once
// Private to app/http: one forwarded request, sent to its upstream and answered, asynchronously
// on the calling session's I/O thread.
//
//   run ──► [pooled connection] ─────────────────────────────┐
//    │                                                       ▼
//    └──► do_resolve ──► on_resolve ──► do_connect ──► on_connect ──► do_write ──► on_write
//                                                                                    │
//        finish ◄── on_read ◄── do_read ◄──────────────────────────────────────────────┘
//
// One deadline (the upstream's timeout) bounds the whole exchange: when it passes, the pending
// operation is cancelled and the answer is a 504. A refused, reset or broken exchange is a 502;
// an idempotent request that failed on a reused connection before any answer arrived is sent
// once more on a new connection (the upstream may have closed the idle connection meanwhile).

#include "http/adapter.hpp"
#include "http/server.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mart::http::detail {

class UpstreamPool;

struct UpstreamAnswer {
  kernel::Response response;  // the upstream's, or a 502/504 problem
  // For a HEAD, the Content-Length the upstream announced (its body is empty).
  std::optional<std::uint64_t> head_length;
};

class UpstreamExchange : public std::enable_shared_from_this<UpstreamExchange> {
 public:
  // Called exactly once, on the executor's thread.
  using Done = std::function<void(UpstreamAnswer)>;

  // The largest upstream answer accepted (head and body); a larger one is a 502.
  static constexpr std::uint32_t kMaxAnswerHeader = 64 * 1024;
  static constexpr std::uint64_t kMaxAnswerBody = 64ULL * 1024 * 1024;

  UpstreamExchange(const boost::asio::any_io_executor& executor, const kernel::Request& request,
                   const Forward& forward);
  UpstreamExchange(const UpstreamExchange&) = delete;
  UpstreamExchange& operator=(const UpstreamExchange&) = delete;

  void run(Done done);

 private:
  using error_code = boost::system::error_code;
  using tcp = boost::asio::ip::tcp;

  void do_resolve();
  void on_resolve(error_code ec, const tcp::resolver::results_type& results);
  void do_connect();
  void on_connect(error_code ec, const tcp::endpoint& endpoint);
  void do_write();
  void on_write(error_code ec, std::size_t bytes);
  void do_read();
  void on_read(error_code ec, std::size_t bytes);
  void on_deadline(error_code ec);
  void fail(error_code ec, std::string_view step);
  void finish(UpstreamAnswer answer);

  std::shared_ptr<const Upstream> upstream_;
  UpstreamPool& pool_;
  std::string pool_key_;
  std::string request_id_;
  bool idempotent_;
  bool head_;
  tcp::resolver resolver_;
  tcp::socket socket_;
  boost::asio::steady_timer deadline_;
  std::vector<tcp::endpoint> endpoints_;
  BeastRequest request_;
  boost::beast::flat_buffer buffer_;
  std::optional<boost::beast::http::response_parser<boost::beast::http::string_body>> parser_;
  Done done_;
  bool reused_ = false;
  bool retried_ = false;
  bool timed_out_ = false;
  bool finished_ = false;
};

}  // namespace mart::http::detail
