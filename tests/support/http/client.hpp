#pragma once
// A small blocking HTTP/1.1 client for tests: one keep-alive connection to 127.0.0.1:port that is
// reopened when the server closed it, every operation bounded by a timeout. Plus raw-socket
// helpers for feeding a server bytes that are not (quite) HTTP.

#include <boost/json/value.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mart::test {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct HttpResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names; repeats joined with ", "
  std::string body;

  // The body parsed as JSON; throws std::runtime_error when it is not JSON.
  boost::json::value json() const;
  // The named header (any case), or "" when absent.
  std::string header(std::string_view name) const;
  bool has_header(std::string_view name) const;
};

class HttpClient {
 public:
  explicit HttpClient(std::uint16_t port,
                      std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // Connects from `source_address` (e.g. "127.0.0.2": on Linux all of 127.0.0.0/8 is loopback),
  // so that the server sees another client address.
  HttpClient(std::uint16_t port, std::string source_address,
             std::chrono::milliseconds timeout = std::chrono::seconds(10));
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Sends one request and reads its response. Sets Host, Content-Length, and
  // Content-Type: application/json when the body is non-empty and no Content-Type is given.
  // Throws std::runtime_error when no response arrives (connection refused, timeout, ...).
  HttpResponse request(std::string_view method, std::string_view target, std::string body = {},
                       const HeaderList& headers = {});
  HttpResponse get(std::string_view target, const HeaderList& headers = {});
  HttpResponse post(std::string_view target, std::string body, const HeaderList& headers = {});
  HttpResponse patch(std::string_view target, std::string body, const HeaderList& headers = {});
  HttpResponse del(std::string_view target, const HeaderList& headers = {});

  // How many TCP connections this client has opened so far (1 while keep-alive holds).
  int connections_opened() const;
  void close();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Connects to 127.0.0.1:port (from `source_address` when given), writes `bytes`, then returns
// everything received until the server closes the connection or `wait_for_reply` has passed,
// whichever comes first.
std::string send_raw(std::uint16_t port, std::string_view bytes,
                     std::chrono::milliseconds wait_for_reply,
                     std::string_view source_address = {});

// A port on 127.0.0.1 that was free a moment ago (bound to port 0, read back, closed).
std::uint16_t free_port();

}  // namespace mart::test
