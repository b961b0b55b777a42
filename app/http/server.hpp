#pragma once
// Mart's HTTP/1.1 server: a Boost.Beast listener and sessions behind a pimpl, so that nothing that
// includes this header sees Beast or Asio. Requests reach the application as kernel::Request and
// leave as kernel::Response (see app/http/adapter.hpp for the conversion rules).

#include "kernel/http.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <variant>

namespace mart::http {

struct ServerOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;  // 0 = ephemeral; start() returns the bound port
  int io_threads = 2;         // one io_context per thread; values below 1 mean 1
  std::size_t body_limit = std::size_t{1} << 20;      // larger bodies: 413 problem+json, then close
  std::size_t header_limit = std::size_t{16} * 1024;  // larger request heads: 431, then close
  // Time allowed to receive one whole request (headers + body), counted from its first byte (and
  // from the accept for a connection's first request). Then the connection is closed.
  std::chrono::milliseconds read_timeout{10'000};
  // How long a keep-alive connection may stay silent between two requests.
  std::chrono::milliseconds idle_timeout{30'000};
  // Time allowed to write one response.
  std::chrono::milliseconds write_timeout{10'000};
  // stop() waits this long for in-flight requests before it stops the I/O threads by force.
  std::chrono::milliseconds shutdown_grace{5'000};
  // Open connections at most: one more is accepted, answered 503 problem+json with
  // "Retry-After: 1" and "Connection: close" (without reading its request), and closed.
  std::size_t max_connections = 10'000;
  // Requests being handled or forwarded at once: one more is answered 503 problem+json with
  // "Retry-After: 1" (the connection stays open).
  std::size_t max_in_flight = 1024;
  // Open connections one client address may hold; one more is refused like max_connections.
  std::size_t max_connections_per_client = 256;
  // Peers (addresses or CIDR blocks) whose X-Forwarded-For / Forwarded names the real client.
  std::vector<std::string> trusted_proxies;
};

// An HTTP/1.1 server that requests can be forwarded to (plain http://; see app/forward/).
struct Upstream {
  std::string name;  // what it serves, for logs and problem details ("products")
  std::string host;  // DNS name or IP address (an IPv6 address without brackets)
  std::uint16_t port = 80;
  std::string authority;  // the Host field sent to it: host[:port] as its URL writes them
  std::string base_path;  // prepended to every forwarded target: "" or "/base" (no trailing '/')
  std::chrono::milliseconds timeout{10'000};  // one whole exchange: connect, send, receive
};

// A handler's way of saying "not answered here: send it on". The server sends the request's
// method, raw target (after the upstream's base path) and body with `headers` (plus its own Host,
// Content-Length and Connection) asynchronously, on the connection's I/O thread, reusing idle
// connections to the same upstream; it never blocks the thread while it waits. The upstream's
// answer (status, fields minus framing ones, body) or, when there is none, a 502 problem (refused,
// unreachable, broken answer) or 504 problem (no complete answer within the upstream's timeout)
// is passed to `finish` on the same I/O thread, then written to the client.
struct Forward {
  std::shared_ptr<const Upstream> upstream;
  kernel::Headers headers;  // the fields to send; Host and framing fields in it are ignored
  std::function<void(const kernel::Request&, kernel::Response&)> finish;  // may be empty
};

// A handler answers now, or forwards (a kernel::Response converts to an Outcome).
using Outcome = std::variant<kernel::Response, Forward>;

// Called on an I/O thread, concurrently from several threads. Exceptions become 500 problems.
using RequestHandler = std::function<Outcome(kernel::Request&)>;

class Server {
 public:
  Server(ServerOptions options, RequestHandler handler);
  ~Server();  // calls stop()
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds, listens and starts the I/O threads; returns the bound port. Throws std::runtime_error
  // naming the address when it cannot listen (e.g. address in use); throws std::logic_error when
  // called twice.
  std::uint16_t start();

  // Stops accepting, closes idle keep-alive connections, lets in-flight requests finish (their
  // responses are written, with "Connection: close") and joins the I/O threads; after
  // shutdown_grace the I/O threads are stopped by force. Idempotent and thread-safe. Called from
  // a request handler it only begins the shutdown; the destructor then completes it.
  void stop();

  // Blocks until SIGINT or SIGTERM arrives or stop() is called (returns at once after stop()).
  void wait_for_signal();

  // Connections accepted and not yet closed.
  std::size_t open_connections() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mart::http
