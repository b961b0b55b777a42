#include "http/session.hpp"

#include "http/http_metrics.hpp"
#include "http/stream_channel.hpp"
#include "http/upstream_exchange.hpp"
#include "kernel/ids.hpp"
#include "kernel/log.hpp"
#include "kernel/problem.hpp"
#include "kernel/trace.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <utility>
#include <variant>

namespace mart::http::detail {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

// The first read of a request only waits for some bytes; the parser reads the rest.
constexpr std::size_t kFirstReadSize = 4096;
// Before closing after a final answer, what the client still sends is read and dropped, so that
// it is not reset before it has read the answer ("lingering close"). Bounded in bytes and time.
constexpr std::size_t kDrainReadSize = std::size_t{64} * 1024;
constexpr std::size_t kMaxDrainBytes = std::size_t{16} * 1024 * 1024;
constexpr std::chrono::milliseconds kMaxDrainTime{2'000};

bool is_http_error(const boost::system::error_code& ec) {
  return ec.category() == bhttp::make_error_code(bhttp::error::end_of_stream).category();
}

// The ends of a connection that are part of normal life: the peer closed or reset, a timeout
// fired, or the server cancelled the operation itself.
bool is_normal_end(const boost::system::error_code& ec) {
  return ec == asio::error::operation_aborted || ec == bhttp::error::end_of_stream ||
         ec == bhttp::error::partial_message || ec == beast::error::timeout ||
         ec == asio::error::eof || ec == asio::error::connection_reset ||
         ec == asio::error::broken_pipe || ec == asio::error::bad_descriptor;
}

bool expects_continue(const BeastRequest::header_type& head) {
  auto field = head.find(bhttp::field::expect);
  if (field == head.end() || head.version() < 11) return false;
  auto value = field->value();
  static constexpr std::string_view kContinue = "100-continue";
  return value.size() == kContinue.size() &&
         std::equal(value.begin(), value.end(), kContinue.begin(), [](char a, char b) {
           return (a >= 'A' && a <= 'Z' ? static_cast<char>(a - 'A' + 'a') : a) == b;
         });
}

}  // namespace

Session::Session(tcp::socket socket, std::shared_ptr<ServerState> state, std::string peer)
    : stream_(std::move(socket)),
      state_(std::move(state)),
      options_(state_->options()),
      client_address_(std::move(peer)) {
  error_code ec;
  stream_.socket().set_option(tcp::no_delay(true), ec);
}

Session::~Session() {
  if (channel_) channel_->abandon();  // the producer's writes fail from now on
  if (current_.in_flight) state_->end_request();
  try {
    write_access_log();
  } catch (...) {  // NOLINT(bugprone-empty-catch): a destructor must not throw; the line is lost
  }
  state_->remove(this);
  state_->release_client(client_address_);
}

void Session::run() {
  asio::dispatch(stream_.get_executor(),
                 beast::bind_front_handler(&Session::do_wait, shared_from_this()));
}

void Session::shutdown() {
  asio::post(stream_.get_executor(), [self = shared_from_this()] {
    self->shutdown_requested_ = true;
    if (self->phase_ == Phase::idle) {
      // Nothing of a request has arrived: cancel the wait and close.
      self->phase_ = Phase::closing;
      self->stream_.close();
    } else if (self->phase_ == Phase::streaming) {
      // A stream never ends by itself: end it (what is queued is sent, then the connection).
      self->channel_->close();
    }
    // reading / handling / writing: on_write closes after this answer; closing: on its way out.
  });
}

bool Session::stop_requested() const {
  return shutdown_requested_ || state_->stopping();
}

void Session::do_wait() {
  if (stop_requested()) return do_close();
  phase_ = Phase::idle;
  request_id_.clear();
  parser_.emplace();
  parser_->body_limit(static_cast<std::uint64_t>(options_.body_limit));
  parser_->header_limit(static_cast<std::uint32_t>(
      std::min<std::size_t>(options_.header_limit, std::numeric_limits<std::uint32_t>::max())));
  if (buffer_.size() > 0) return do_read_header();  // a pipelined request is already here
  stream_.expires_after(requests_served_ == 0 ? options_.read_timeout : options_.idle_timeout);
  stream_.async_read_some(buffer_.prepare(kFirstReadSize),
                          beast::bind_front_handler(&Session::on_wait, shared_from_this()));
}

void Session::on_wait(error_code ec, std::size_t bytes) {
  if (ec) return fail(ec, "wait");
  buffer_.commit(bytes);
  if (shutdown_requested_) return do_close();
  do_read_header();
}

void Session::do_read_header() {
  phase_ = Phase::reading;
  // One deadline for the whole request, header and body (and a 100 Continue in between).
  stream_.expires_after(options_.read_timeout);
  bhttp::async_read_header(stream_, buffer_, *parser_,
                           beast::bind_front_handler(&Session::on_read_header, shared_from_this()));
}

void Session::on_read_header(error_code ec, std::size_t /*bytes*/) {
  if (ec) return on_read_error(ec);
  if (auto refused = framing_error(parser_->get()); !refused.empty()) return reject(400, refused);
  if (!parser_->is_done() && expects_continue(parser_->get())) return do_continue();
  do_read_body();
}

void Session::do_continue() {
  continue_ = bhttp::response<bhttp::empty_body>(bhttp::status::continue_, 11);
  bhttp::async_write(stream_, continue_,
                     beast::bind_front_handler(&Session::on_continue, shared_from_this()));
}

void Session::on_continue(error_code ec, std::size_t /*bytes*/) {
  if (ec) return fail(ec, "write 100 Continue");
  do_read_body();
}

void Session::do_read_body() {
  bhttp::async_read(stream_, buffer_, *parser_,
                    beast::bind_front_handler(&Session::on_read_body, shared_from_this()));
}

void Session::on_read_body(error_code ec, std::size_t /*bytes*/) {
  if (ec) return on_read_error(ec);
  handle_request();
}

void Session::on_read_error(error_code ec) {
  if (ec == bhttp::error::body_limit) {
    return reject(
        413, "The request body is larger than " + std::to_string(options_.body_limit) + " bytes.");
  }
  if (ec == bhttp::error::header_limit) {
    return reject(431, "The request head is larger than " + std::to_string(options_.header_limit) +
                           " bytes.");
  }
  if (is_http_error(ec) && !is_normal_end(ec)) {
    return reject(400, "The request is not valid HTTP/1.1 (" + ec.message() + ").");
  }
  fail(ec, "read");
}

void Session::handle_request() {
  phase_ = Phase::handling;
  auto& message = parser_->get();
  request_id_ = request_id_for(message);
  ResponseContext context{message.version(), message.keep_alive(), false, request_id_,
                          std::nullopt};

  request_ = kernel::Request{};
  auto& request = request_;
  Outcome outcome;
  bool valid = to_kernel_request(message, client_address_, request_id_, request);
  // Every user of the request (rate limits, sign-in throttling, logs) sees the real client.
  const auto& trusted = state_->trusted_proxies();
  request.peer_address = client_address_;
  request.peer_trusted = trusted.contains(client_address_);
  if (request.peer_trusted) {
    request.client_address = resolve_client(client_address_, request.headers, trusted);
  }
  kernel::start_trace(request);  // the client's traceparent, or a new trace
  current_ = Current{request.method,
                     request.path,
                     {},
                     request.trace_id,
                     kernel::traceparent_of(request),
                     request.client_address,
                     std::chrono::steady_clock::now(),
                     false,
                     false};
  if (!valid) {
    outcome = kernel::problem_response(400, kernel::status_title(400),
                                       "The request target is not a valid URI.");
  } else if (!state_->begin_request()) {
    http_metrics().rejected.with({"max_in_flight"}).inc();
    auto busy = kernel::problem_response(
        503, kernel::status_title(503),
        "The server is handling as many requests as it may (http.max_in_flight); retry shortly.");
    busy.headers.set("Retry-After", "1");
    outcome = std::move(busy);
  } else {
    current_.in_flight = true;
    kernel::log::Scope scope(request_id_, request.trace_id);
    outcome = invoke(state_->handler(), request);
  }
  context.head = request.method == "HEAD";
  if (auto* forward = std::get_if<Forward>(&outcome)) {
    return do_forward(std::move(request), std::move(*forward), context);
  }
  auto& response = std::get<kernel::Response>(outcome);
  if (response.is_deferred()) return do_defer(response, context);
  answer(std::move(response), context);
}

namespace {

// What a deferred answer's reply holds on to: work on the connection's I/O context, so that its
// thread keeps running (a graceful stop waits for it) until the answer is posted, and a count in
// the server's state, so that the context is not destroyed while the reply can still post to it.
class DeferredWork {
 public:
  DeferredWork(std::shared_ptr<ServerState> state, const beast::tcp_stream::executor_type& executor)
      : state_(std::move(state)), guard_(asio::make_work_guard(executor)) {
    state_->add_deferred();
  }
  ~DeferredWork() {
    guard_.reset();  // before the count falls: the context may go once it is zero
    state_->remove_deferred();
  }
  DeferredWork(const DeferredWork&) = delete;
  DeferredWork& operator=(const DeferredWork&) = delete;
  beast::tcp_stream::executor_type executor() const { return guard_->get_executor(); }

 private:
  std::shared_ptr<ServerState> state_;
  std::optional<asio::executor_work_guard<beast::tcp_stream::executor_type>> guard_;
};

}  // namespace

void Session::do_defer(const kernel::Response& pending, ResponseContext context) {
  auto work = std::make_shared<DeferredWork>(state_, stream_.get_executor());
  // The reply may be called on any thread (a worker pool's, the bus's): it posts the answer back
  // to this connection's I/O thread, where on_deferred_reply writes it.
  auto reply = [self = shared_from_this(), context, work](kernel::Response ready) {
    asio::post(work->executor(), [self, context, ready = std::move(ready)]() mutable {
      self->on_deferred_reply(std::move(ready), context);
    });
  };
  try {
    kernel::log::Scope scope(request_id_, current_.trace_id);
    pending.later(std::move(reply));
  } catch (...) {
    // Nothing was queued: answer here (the reply was not called and never will be).
    answer(kernel::problem_for(std::current_exception(), current_.path, request_id_), context);
  }
}

void Session::on_deferred_reply(kernel::Response ready, ResponseContext context) {
  answer(std::move(ready), context);
}

void Session::do_forward(kernel::Request request, Forward forward, ResponseContext context) {
  if (!forward.upstream) {
    auto problem = kernel::problem_response(500, kernel::status_title(500),
                                            "The server failed to handle the request.");
    kernel::log::error("http", "a handler forwarded to no upstream", request_id_);
    return answer(std::move(problem), context);
  }
  auto exchange = std::make_shared<UpstreamExchange>(stream_.get_executor(), request, forward);
  exchange->run([self = shared_from_this(), request = std::move(request),
                 forward = std::move(forward), context](UpstreamAnswer result) mutable {
    self->on_forward(request, forward, context, std::move(result));
  });
}

void Session::on_forward(const kernel::Request& request, const Forward& forward,
                         ResponseContext context, UpstreamAnswer result) {
  invoke_finish(forward, request, result.response);
  context.head_length = result.head_length;
  answer(std::move(result.response), context);
}

void Session::answer(kernel::Response response, ResponseContext context) {
  if (response.stream && !context.head && response.status == 200) {
    return start_stream(std::move(response), context);
  }
  // Stopping: this is the connection's last answer.
  context.keep_alive = context.keep_alive && !stop_requested();
  prepare_head(std::move(response), context);
  do_write();
}

void Session::prepare_head(kernel::Response response, ResponseContext context) {
  context.request_id = request_id_;
  auto route = response.route.empty() ? std::string("unmatched") : std::move(response.route);
  // Every answer tells the client its trace and this request's span.
  if (!current_.traceparent.empty()) response.headers.set("traceparent", current_.traceparent);
  response_ = to_beast_response(std::move(response), context);
  ++requests_served_;
  record(route);  // a stream counts as answered: it holds no request slot while it lasts
}

void Session::start_stream(kernel::Response response, ResponseContext context) {
  auto start = std::move(response.stream);
  auto limit = response.stream_buffer_limit;
  response.body.clear();
  context.keep_alive = false;  // the stream ends with the connection
  prepare_head(std::move(response), context);
  response_.erase(bhttp::field::content_length);
  const bool chunked = context.version >= 11;
  if (chunked) response_.set(bhttp::field::transfer_encoding, "chunked");
  phase_ = Phase::streaming;
  auto executor = stream_.get_executor();
  std::weak_ptr<Session> weak = shared_from_this();
  channel_ = std::make_shared<StreamChannel>(chunked, limit, [executor, weak] {
    asio::post(executor, [weak] {
      if (auto self = weak.lock()) self->do_stream_write();
    });
  });
  // The producer starts before the head is sent (what it writes waits for the head): the event
  // stream takes its starting point there, and a client that acts as soon as it has the head
  // (places an order) must find what that caused in the stream. Asio may send the head within
  // async_write itself.
  stream_writing_ = true;
  try {
    kernel::log::Scope scope(request_id_, current_.trace_id);
    start(channel_);
  } catch (const std::exception& error) {
    kernel::log::error("http", std::string("a stream failed to start: ") + error.what(),
                       request_id_);
    channel_->close();
  }
  serialize(response_, wire_);  // the head; the body follows as the producer writes it
  stream_.expires_never();  // a stream is quiet as long as nothing happens; the channel bounds it
  asio::async_write(stream_, asio::buffer(wire_),
                    beast::bind_front_handler(&Session::on_stream_write, shared_from_this()));
  watch_stream_reader();
}

void Session::do_stream_write() {
  if (phase_ != Phase::streaming) return;
  if (channel_->dropped()) return end_stream();  // also when a write is stuck on the client
  if (stream_writing_) return;                   // on_stream_write takes what is queued next
  switch (channel_->take(wire_)) {
    case StreamChannel::Next::idle:
      return;
    case StreamChannel::Next::finish:
      if (wire_.empty()) return end_stream();
      phase_ = Phase::closing;  // the last chunk, then the close
      break;
    case StreamChannel::Next::write:
      break;
  }
  stream_writing_ = true;
  asio::async_write(stream_, asio::buffer(wire_),
                    beast::bind_front_handler(&Session::on_stream_write, shared_from_this()));
}

void Session::on_stream_write(error_code ec, std::size_t /*bytes*/) {
  stream_writing_ = false;
  if (ec) {
    channel_->abandon();
    return fail(ec, "stream write");
  }
  if (phase_ != Phase::streaming) return end_stream();
  // Kept for the next chunk unless a burst made it large.
  if (wire_.capacity() > std::size_t{256} * 1024) wire_ = {};
  do_stream_write();
}

// The client sends nothing while it reads a stream; a read completing tells that it went away
// (or misbehaves: what it sends is dropped, bounded).
void Session::watch_stream_reader() {
  buffer_.clear();
  stream_.async_read_some(
      buffer_.prepare(kDrainReadSize),
      beast::bind_front_handler(&Session::on_stream_reader, shared_from_this()));
}

void Session::on_stream_reader(error_code ec, std::size_t bytes) {
  lingered_bytes_ += bytes;
  if (ec || lingered_bytes_ > kMaxDrainBytes) {
    channel_->abandon();
    if (phase_ == Phase::streaming) end_stream();
    return;
  }
  if (phase_ == Phase::streaming) watch_stream_reader();
}

void Session::end_stream() {
  if (channel_->dropped()) {
    http_metrics().rejected.with({"stream_reader_behind"}).inc();
    kernel::log::info("http", "dropped an event stream reader that fell behind", request_id_);
  }
  channel_->abandon();
  write_access_log();
  do_close();
}

void Session::record(const std::string& route) {
  if (current_.in_flight) {
    current_.in_flight = false;
    state_->end_request();
  }
  current_.route = route;
  auto method = std::string(method_label(current_.method));
  auto seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - current_.started).count();
  auto& metrics = http_metrics();
  metrics.requests.with({route, method, std::to_string(response_.result_int())}).inc();
  metrics.duration.with({route, method}).observe(seconds);
  current_.logged = false;
}

// The access log line: one per answered request, after its answer was written (or failed to be).
void Session::write_access_log() {
  if (current_.logged) return;
  current_.logged = true;
  if (kernel::log::level() > kernel::log::Level::info) return;  // build nothing nobody reads
  auto ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - current_.started)
          .count();
  kernel::log::Scope scope(request_id_, current_.trace_id);
  kernel::log::write(
      kernel::log::Level::info, "http",
      current_.method + " " + current_.route + " " + std::to_string(response_.result_int()), {},
      {{"method", boost::json::value(current_.method)},
       {"route", boost::json::value(current_.route)},
       {"path", boost::json::value(current_.path)},
       {"status", boost::json::value(response_.result_int())},
       {"duration_ms", boost::json::value(std::round(ms * 1000) / 1000)},
       {"bytes", boost::json::value(response_.body().size())},
       {"client", boost::json::value(current_.client)}});
}

void Session::reject(int status, std::string_view detail) {
  // Fields the parser completed before the error are in the message (only whole lines are);
  // request_id_for() checks the id and generates one when there is none.
  request_id_ = parser_ ? request_id_for(parser_->get()) : kernel::unique_hex_id();
  // The client's trace when its traceparent line arrived before the error, else a new one.
  kernel::Request traced;
  if (parser_) {
    const auto& fields = parser_->get();
    if (auto it = fields.find("traceparent"); it != fields.end()) {
      traced.headers.set("traceparent", std::string(it->value()));
    }
  }
  kernel::start_trace(traced);
  kernel::log::Scope scope(request_id_, traced.trace_id);
  kernel::log::info("http",
                    "rejected request: " + std::to_string(status) + " " + std::string(detail),
                    request_id_);
  http_metrics()
      .rejected
      .with({status == 413   ? "body_limit"
             : status == 431 ? "header_limit"
                             : "bad_request"})
      .inc();
  response_ = server_problem(status, detail, request_id_);
  response_.set("traceparent", kernel::traceparent_of(traced));
  linger_after_write_ = true;
  do_write();
}

void Session::do_write() {
  phase_ = Phase::writing;
  stream_.expires_after(options_.write_timeout);
  serialize(response_, wire_);
  asio::async_write(stream_, asio::buffer(wire_),
                    beast::bind_front_handler(&Session::on_write, shared_from_this()));
}

void Session::on_write(error_code ec, std::size_t /*bytes*/) {
  write_access_log();
  if (ec) return fail(ec, "write");
  // The last answer on this connection: drain what the client may still be sending (a body we
  // refused, pipelined requests) so that closing does not reset the connection under its reader.
  if (linger_after_write_ || !response_.keep_alive()) return do_linger();
  response_ = {};
  // Kept for the next answer on this connection, unless a large one made it large.
  if (wire_.capacity() > std::size_t{64} * 1024) wire_ = {};
  do_wait();
}

void Session::do_linger() {
  phase_ = Phase::closing;
  error_code ec;
  stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  if (ec) return do_close();
  buffer_.clear();
  stream_.expires_after(std::min<std::chrono::milliseconds>(options_.read_timeout, kMaxDrainTime));
  stream_.async_read_some(buffer_.prepare(kDrainReadSize),
                          beast::bind_front_handler(&Session::on_linger, shared_from_this()));
}

void Session::on_linger(error_code ec, std::size_t bytes) {
  lingered_bytes_ += bytes;
  if (ec || lingered_bytes_ > kMaxDrainBytes) return do_close();  // EOF: the client is done
  stream_.async_read_some(buffer_.prepare(kDrainReadSize),
                          beast::bind_front_handler(&Session::on_linger, shared_from_this()));
}

void Session::do_close() {
  phase_ = Phase::closing;
  error_code ec;
  stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  stream_.close();
  // The session ends when the last handler holding it returns.
}

// The one place where a failed operation is reported.
void Session::fail(error_code ec, std::string_view what) {
  if (!is_normal_end(ec)) {
    kernel::log::warn("http",
                      std::string(what) + " failed for " + client_address_ + ": " + ec.message(),
                      request_id_);
  }
  do_close();
}

}  // namespace mart::http::detail
