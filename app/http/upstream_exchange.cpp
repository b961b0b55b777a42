#include "http/upstream_exchange.hpp"

#include "http/upstream_pool.hpp"
#include "kernel/log.hpp"
#include "kernel/problem.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/error.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include <array>
#include <charconv>
#include <exception>
#include <utility>

namespace mart::http::detail {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

// The server frames the forwarded request itself; these fields of the handler's are never sent.
constexpr std::array<std::string_view, 10> kOwnFields = {
    "host", "content-length", "transfer-encoding", "connection", "keep-alive",
    "te",   "trailer",        "upgrade",           "expect",     "proxy-connection"};

bool is_own_field(std::string_view name) {
  return std::any_of(kOwnFields.begin(), kOwnFields.end(),
                     [&](std::string_view own) { return iequals(own, name); });
}

bool is_idempotent(std::string_view method) {
  return method == "GET" || method == "HEAD" || method == "OPTIONS" || method == "PUT" ||
         method == "DELETE" || method == "TRACE";
}

BeastRequest upstream_request(const kernel::Request& in, const Forward& forward) {
  BeastRequest out;
  out.version(11);
  out.method_string(in.method);
  out.target(forward.upstream->base_path + origin_form(in.target));
  for (const auto& [name, value] : forward.headers.all()) {
    if (is_own_field(name) || !is_valid_field(name, value)) continue;
    out.insert(name, value);
  }
  out.set(bhttp::field::host, forward.upstream->authority);
  out.body() = in.body;
  out.keep_alive(true);
  out.prepare_payload();
  return out;
}

std::string describe(const Upstream& upstream) {
  return upstream.name + " upstream (" + upstream.authority + ")";
}

kernel::Response problem(int status, const Upstream& upstream, std::string_view what) {
  return kernel::problem_response(
      status, kernel::status_title(status),
      "The upstream of the " + upstream.name + " module " + std::string(what) + ".");
}

}  // namespace

UpstreamExchange::UpstreamExchange(const asio::any_io_executor& executor,
                                   const kernel::Request& request, const Forward& forward)
    : upstream_(forward.upstream),
      pool_(UpstreamPool::of(executor)),
      pool_key_(upstream_->host + ":" + std::to_string(upstream_->port)),
      request_id_(request.request_id),
      idempotent_(is_idempotent(request.method)),
      head_(request.method == "HEAD"),
      resolver_(executor),
      socket_(executor),
      deadline_(executor),
      request_(upstream_request(request, forward)) {}

void UpstreamExchange::run(Done done) {
  done_ = std::move(done);
  deadline_.expires_after(upstream_->timeout);
  deadline_.async_wait(
      beast::bind_front_handler(&UpstreamExchange::on_deadline, shared_from_this()));
  if (auto pooled = pool_.take(pool_key_)) {
    socket_ = std::move(*pooled);
    reused_ = true;
    return do_write();
  }
  do_resolve();
}

void UpstreamExchange::do_resolve() {
  error_code ec;
  auto address = asio::ip::make_address(upstream_->host, ec);
  if (!ec) {
    endpoints_ = {tcp::endpoint(address, upstream_->port)};
    return do_connect();
  }
  resolver_.async_resolve(
      upstream_->host, std::to_string(upstream_->port),
      beast::bind_front_handler(&UpstreamExchange::on_resolve, shared_from_this()));
}

void UpstreamExchange::on_resolve(error_code ec, const tcp::resolver::results_type& results) {
  if (ec) return fail(ec, "resolve");
  endpoints_.clear();
  for (const auto& entry : results) endpoints_.push_back(entry.endpoint());
  do_connect();
}

void UpstreamExchange::do_connect() {
  asio::async_connect(socket_, endpoints_,
                      beast::bind_front_handler(&UpstreamExchange::on_connect, shared_from_this()));
}

void UpstreamExchange::on_connect(error_code ec, const tcp::endpoint& /*endpoint*/) {
  if (ec) return fail(ec, "connect");
  socket_.set_option(tcp::no_delay(true), ec);  // best effort
  do_write();
}

void UpstreamExchange::do_write() {
  buffer_.clear();
  parser_.emplace();
  parser_->header_limit(kMaxAnswerHeader);
  parser_->body_limit(kMaxAnswerBody);
  parser_->skip(head_);  // the answer to a HEAD has no body, whatever its Content-Length says
  bhttp::async_write(socket_, request_,
                     beast::bind_front_handler(&UpstreamExchange::on_write, shared_from_this()));
}

void UpstreamExchange::on_write(error_code ec, std::size_t /*bytes*/) {
  if (ec) return fail(ec, "send");
  do_read();
}

void UpstreamExchange::do_read() {
  bhttp::async_read(socket_, buffer_, *parser_,
                    beast::bind_front_handler(&UpstreamExchange::on_read, shared_from_this()));
}

void UpstreamExchange::on_read(error_code ec, std::size_t /*bytes*/) {
  if (ec) return fail(ec, "receive");
  auto& message = parser_->get();
  const auto status = message.result_int();
  if (status >= 100 && status < 200 && status != 101) {
    // An interim answer (100 Continue, 103 Early Hints): the final one follows.
    parser_.emplace();
    parser_->header_limit(kMaxAnswerHeader);
    parser_->body_limit(kMaxAnswerBody);
    parser_->skip(head_);
    return do_read();
  }
  if (status < 200 || status > 599) {
    kernel::log::warn("forward",
                      describe(*upstream_) + " answered with status " + std::to_string(status),
                      request_id_);
    return finish({problem(502, *upstream_, "sent an answer that cannot be passed on"), {}});
  }

  UpstreamAnswer answer;
  answer.response.status = static_cast<int>(status);
  for (const auto& field : message) {
    auto name = field.name_string();
    if (iequals(name, "content-length") || iequals(name, "transfer-encoding")) continue;
    answer.response.headers.add(std::string(name), std::string(field.value()));
  }
  if (head_) {
    if (auto length = message.find(bhttp::field::content_length); length != message.end()) {
      std::uint64_t value = 0;
      auto text = length->value();
      auto [ptr, err] = std::from_chars(text.data(), text.data() + text.size(), value);
      if (err == std::errc() && ptr == text.data() + text.size()) answer.head_length = value;
    }
  }
  answer.response.body = std::move(message.body());
  // The connection can serve the next forwarded request when the answer was framed and complete,
  // the upstream keeps it open, and nothing beyond the answer arrived.
  if (message.keep_alive() && parser_->is_done() && buffer_.size() == 0 && !timed_out_) {
    pool_.give_back(pool_key_, std::move(socket_));
  }
  finish(std::move(answer));
}

void UpstreamExchange::on_deadline(error_code ec) {
  if (ec == asio::error::operation_aborted || finished_) return;
  timed_out_ = true;
  resolver_.cancel();
  error_code ignored;
  socket_.close(ignored);  // the pending operation completes with operation_aborted
}

// The one place where a failed step is reported.
void UpstreamExchange::fail(error_code ec, std::string_view step) {
  if (finished_) return;
  error_code ignored;
  socket_.close(ignored);
  if (timed_out_) {
    kernel::log::warn("forward",
                      describe(*upstream_) + " gave no answer within " +
                          std::to_string(upstream_->timeout.count()) + " ms (at " +
                          std::string(step) + ")",
                      request_id_);
    return finish(
        {problem(504, *upstream_,
                 "did not answer within " + std::to_string(upstream_->timeout.count()) + " ms"),
         {}});
  }
  const bool nothing_received = !parser_ || !parser_->got_some();
  if (reused_ && !retried_ && idempotent_ && nothing_received) {
    // The upstream probably closed the idle connection as we used it: once more, on a new one.
    retried_ = true;
    reused_ = false;
    socket_ = tcp::socket(socket_.get_executor());
    return do_resolve();
  }
  kernel::log::warn("forward",
                    describe(*upstream_) + ": " + std::string(step) + " failed: " + ec.message(),
                    request_id_);
  if (ec == bhttp::error::body_limit || ec == bhttp::error::header_limit) {
    return finish({problem(502, *upstream_, "sent an answer that is too large to pass on"), {}});
  }
  if (step == "resolve" || step == "connect") {
    return finish({problem(502, *upstream_, "cannot be reached"), {}});
  }
  finish({problem(502, *upstream_, "broke off the exchange before a complete answer"), {}});
}

void UpstreamExchange::finish(UpstreamAnswer answer) {
  if (finished_) return;
  finished_ = true;
  deadline_.cancel();
  auto done = std::move(done_);
  done(std::move(answer));
}

}  // namespace mart::http::detail
