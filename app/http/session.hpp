#pragma once
// Private to app/http: one HTTP/1.1 connection. Requests are read one at a time and answered in
// order (reading the next only after the previous answer was written is what bounds pipelining).
//
//   do_wait ──► on_wait ──► do_read_header ──► on_read_header ──► [do_continue ──► on_continue]
//      ▲            (idle_timeout / read_timeout)           (read_timeout)             │
//      │                                                                              ▼
//   on_write ◄── do_write ◄── handle_request ◄── on_read_body ◄──────────────── do_read_body
//      │                 ▲            ├─ the handler forwards: do_forward ──► UpstreamExchange
//      │                 ├── on_forward ◄──── (async, same I/O thread) ◄──────────────┘
//      │                 │            └─ it answers later (Response::deferred): do_defer ──► reply
//      │                 └── on_deferred_reply ◄── posted to the I/O thread ◄── (any thread) ┘
//      │
//      └─► after the connection's last answer: do_linger ──► on_linger (drain) ──► do_close
//
// A streamed answer (kernel::Response::stream) ends the request loop: start_stream writes the
// head, then do_stream_write ──► on_stream_write writes what the producer queued in the
// StreamChannel, whenever it kicks, until the producer, the client (watch_stream_reader sees it
// close) or the server's stop ends it; then the connection closes.

#include "http/adapter.hpp"
#include "http/client_address.hpp"
#include "http/server.hpp"
#include "http/server_state.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace mart::http::detail {

struct UpstreamAnswer;
class StreamChannel;

class Session : public std::enable_shared_from_this<Session> {
 public:
  // `peer` is the socket's remote address, admitted by ServerState::admit_client (released when
  // the session ends).
  Session(boost::asio::ip::tcp::socket socket, std::shared_ptr<ServerState> state,
          std::string peer);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Both may be called from any thread; the work happens on the session's own executor.
  void run();
  // Closes the connection now if it waits for a request; otherwise the current request is
  // finished and answered with "Connection: close".
  void shutdown();

 private:
  enum class Phase { idle, reading, handling, writing, streaming, closing };
  using error_code = boost::system::error_code;

  void do_wait();
  void on_wait(error_code ec, std::size_t bytes);
  void do_read_header();
  void on_read_header(error_code ec, std::size_t bytes);
  void do_continue();
  void on_continue(error_code ec, std::size_t bytes);
  void do_read_body();
  void on_read_body(error_code ec, std::size_t bytes);
  void on_read_error(error_code ec);
  void handle_request();
  // A response the handler answers later (kernel::Response::deferred): do_defer hands the handler
  // a reply; calling it (on any thread) posts the answer back to this connection's I/O thread,
  // to on_deferred_reply, which writes it.
  void do_defer(const kernel::Response& pending, ResponseContext context);
  void on_deferred_reply(kernel::Response ready, ResponseContext context);
  void do_forward(kernel::Request request, Forward forward, ResponseContext context);
  void on_forward(const kernel::Request& request, const Forward& forward, ResponseContext context,
                  UpstreamAnswer result);
  void answer(kernel::Response response, ResponseContext context);
  // The answer's head in response_, counted in the metrics (both kinds of answer).
  void prepare_head(kernel::Response response, ResponseContext context);
  void start_stream(kernel::Response response, ResponseContext context);
  void do_stream_write();
  void on_stream_write(error_code ec, std::size_t bytes);
  void watch_stream_reader();
  void on_stream_reader(error_code ec, std::size_t bytes);
  void end_stream();
  // Counts the answer in the metrics and remembers it for the access log line.
  void record(const std::string& route);
  void write_access_log();
  void reject(int status, std::string_view detail);
  void do_write();
  void on_write(error_code ec, std::size_t bytes);
  void do_linger();
  void on_linger(error_code ec, std::size_t bytes);
  void do_close();
  void fail(error_code ec, std::string_view what);
  bool stop_requested() const;

  boost::beast::tcp_stream stream_;
  std::shared_ptr<ServerState> state_;
  const ServerOptions& options_;
  boost::beast::flat_buffer buffer_;
  std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
  BeastResponse response_;
  std::string wire_;  // response_ serialized, while it is being written
  boost::beast::http::response<boost::beast::http::empty_body> continue_;
  std::string client_address_;  // the TCP peer
  std::string request_id_;
  // The request being handled; kept until its answer is written (a deferred answer needs it).
  kernel::Request request_;
  // The request being answered, for metrics and the access log line written after the answer.
  struct Current {
    std::string method;
    std::string path;
    std::string route;
    std::string trace_id;
    std::string traceparent;
    std::string client;  // the resolved client (see resolve_client)
    std::chrono::steady_clock::time_point started;
    bool in_flight = false;  // admitted under max_in_flight, not yet released
    bool logged = true;      // the access log line is written (or there is none to write)
  } current_;
  std::shared_ptr<StreamChannel> channel_;  // while streaming
  bool stream_writing_ = false;
  Phase phase_ = Phase::idle;
  std::size_t requests_served_ = 0;
  std::size_t lingered_bytes_ = 0;
  bool linger_after_write_ = false;
  bool shutdown_requested_ = false;
};

}  // namespace mart::http::detail
