#include "http/client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json/parse.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <functional>
#include <optional>
#include <stdexcept>

namespace mart::test {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;

constexpr std::uint64_t kResponseBodyLimit = std::uint64_t{64} * 1024 * 1024;
constexpr std::uint32_t kResponseHeaderLimit = 1024 * 1024;

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](char c) {
    return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  });
  return out;
}

tcp::endpoint loopback(std::uint16_t port) {
  return {asio::ip::address_v4::loopback(), port};
}

}  // namespace

boost::json::value HttpResponse::json() const {
  error_code ec;
  auto value = boost::json::parse(body, ec);
  if (ec) throw std::runtime_error("response body is not JSON (" + ec.message() + "): " + body);
  return value;
}

std::string HttpResponse::header(std::string_view name) const {
  auto found = headers.find(lower(name));
  return found == headers.end() ? std::string() : found->second;
}

bool HttpResponse::has_header(std::string_view name) const {
  return headers.find(lower(name)) != headers.end();
}

struct HttpClient::Impl {
  Impl(std::uint16_t port_, std::chrono::milliseconds timeout_) : port(port_), timeout(timeout_) {}

  // Runs one asynchronous operation on the private io_context until it completes; the operation
  // itself is bounded by the stream's timeout.
  template <class Start>
  error_code run(Start&& start) {
    error_code result = asio::error::operation_aborted;
    start([&result](error_code ec, auto&&...) { result = ec; });
    context.restart();
    context.run();
    return result;
  }

  void connect() {
    stream.emplace(context);
    stream->expires_after(timeout);
    if (!source.empty()) {
      // Another loopback address (127.0.0.2, ...) stands for another client machine.
      auto& socket = stream->socket();
      socket.open(tcp::v4());
      socket.bind({asio::ip::make_address(source), 0});
    }
    auto ec = run([&](auto handler) { stream->async_connect(loopback(port), handler); });
    if (ec) {
      reset();
      throw std::runtime_error("cannot connect to 127.0.0.1:" + std::to_string(port) + ": " +
                               ec.message());
    }
    ++opened;
  }

  void reset() {
    if (stream) {
      error_code ignored;
      stream->socket().shutdown(tcp::socket::shutdown_both, ignored);
      stream->close();
    }
    stream.reset();
    buffer.clear();
  }

  std::uint16_t port;
  std::chrono::milliseconds timeout;
  std::string source;  // the local address to connect from; "" = the system's choice
  asio::io_context context{1};
  std::optional<beast::tcp_stream> stream;
  beast::flat_buffer buffer;
  int opened = 0;
};

HttpClient::HttpClient(std::uint16_t port, std::chrono::milliseconds timeout)
    : impl_(std::make_unique<Impl>(port, timeout)) {}

HttpClient::HttpClient(std::uint16_t port, std::string source_address,
                       std::chrono::milliseconds timeout)
    : impl_(std::make_unique<Impl>(port, timeout)) {
  impl_->source = std::move(source_address);
}

HttpClient::~HttpClient() {
  impl_->reset();
}

int HttpClient::connections_opened() const {
  return impl_->opened;
}

void HttpClient::close() {
  impl_->reset();
}

HttpResponse HttpClient::request(std::string_view method, std::string_view target, std::string body,
                                 const HeaderList& headers) {
  auto& m = *impl_;
  bhttp::request<bhttp::string_body> request;
  request.method_string(method);
  request.target(target);
  request.version(11);
  request.set(bhttp::field::host, "127.0.0.1:" + std::to_string(m.port));
  bool has_content_type = false;
  for (const auto& [name, value] : headers) {
    if (lower(name) == "content-type") has_content_type = true;
    request.insert(name, value);
  }
  if (!body.empty() && !has_content_type)
    request.set(bhttp::field::content_type, "application/json");
  request.body() = std::move(body);
  request.prepare_payload();
  const bool head = lower(method) == "head";

  for (int attempt = 0;; ++attempt) {
    const bool reused = m.stream.has_value();
    if (!m.stream) m.connect();
    m.stream->expires_after(m.timeout);
    auto write_ec = m.run([&](auto handler) { bhttp::async_write(*m.stream, request, handler); });
    if (write_ec && reused && attempt == 0) {  // the server closed the idle connection
      m.reset();
      continue;
    }
    // Even when the write failed the server may have answered (e.g. 413 before the whole body).
    std::optional<bhttp::response_parser<bhttp::string_body>> parser;
    error_code read_ec;
    do {
      parser.emplace();
      parser->body_limit(kResponseBodyLimit);
      parser->header_limit(kResponseHeaderLimit);
      parser->skip(head);
      m.stream->expires_after(m.timeout);
      read_ec =
          m.run([&](auto handler) { bhttp::async_read(*m.stream, m.buffer, *parser, handler); });
      // Skip interim answers such as 100 Continue.
    } while (!read_ec && parser->get().result_int() >= 100 && parser->get().result_int() < 200 &&
             parser->get().result_int() != 101);
    if (read_ec) {
      const bool nothing_came = !parser->got_some();
      m.reset();
      if (reused && attempt == 0 && nothing_came) continue;
      throw std::runtime_error(std::string(method) + " " + std::string(target) + ": no response (" +
                               read_ec.message() +
                               (write_ec ? ", write: " + write_ec.message() : std::string()) + ")");
    }
    auto message = parser->release();
    HttpResponse response;
    response.status = static_cast<int>(message.result_int());
    for (const auto& field : message) {
      auto& slot = response.headers[lower(field.name_string())];
      if (!slot.empty()) slot += ", ";
      slot += std::string(field.value());
    }
    response.body = std::move(message.body());
    if (!message.keep_alive() || write_ec) m.reset();
    return response;
  }
}

HttpResponse HttpClient::get(std::string_view target, const HeaderList& headers) {
  return request("GET", target, {}, headers);
}

HttpResponse HttpClient::post(std::string_view target, std::string body,
                              const HeaderList& headers) {
  return request("POST", target, std::move(body), headers);
}

HttpResponse HttpClient::patch(std::string_view target, std::string body,
                               const HeaderList& headers) {
  return request("PATCH", target, std::move(body), headers);
}

HttpResponse HttpClient::del(std::string_view target, const HeaderList& headers) {
  return request("DELETE", target, {}, headers);
}

std::string send_raw(std::uint16_t port, std::string_view bytes,
                     std::chrono::milliseconds wait_for_reply, std::string_view source_address) {
  asio::io_context context{1};
  tcp::socket socket(context);
  if (!source_address.empty()) {
    socket.open(tcp::v4());
    socket.bind({asio::ip::make_address(source_address), 0});
  }
  socket.connect(loopback(port));

  // Write and read at the same time, so that a server that answers early (or never reads) cannot
  // block us; everything ends at the deadline.
  asio::async_write(socket, asio::buffer(bytes.data(), bytes.size()),
                    [](error_code, std::size_t) {});
  std::string received;
  std::array<char, 4096> chunk{};
  std::function<void()> read_more = [&] {
    socket.async_read_some(asio::buffer(chunk), [&](error_code ec, std::size_t n) {
      received.append(chunk.data(), n);
      if (!ec) read_more();
    });
  };
  read_more();
  context.run_for(wait_for_reply);
  error_code ignored;
  socket.close(ignored);  // completes whatever is still pending with operation_aborted
  context.restart();
  context.run();
  return received;
}

std::uint16_t free_port() {
  asio::io_context context{1};
  tcp::acceptor acceptor(context, loopback(0));
  return acceptor.local_endpoint().port();
}

}  // namespace mart::test
