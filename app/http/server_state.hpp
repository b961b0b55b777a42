#pragma once
// Private to app/http: the state the listener and every session share (options, handler, stop
// flag, open sessions, limits and per-client connection counts).

#include "http/client_address.hpp"
#include "http/server.hpp"

#include <atomic>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace mart::http::detail {

class Session;

// What the listener and every session share: the options, the handler, the stop flag and the set
// of open sessions (weakly held, so stop() can reach them and open_connections() can count them).
class ServerState {
 public:
  // Throws std::invalid_argument when options.trusted_proxies has an entry that is not an
  // address or CIDR block.
  ServerState(ServerOptions options, RequestHandler handler)
      : options_(std::move(options)),
        handler_(std::move(handler)),
        trusted_(options_.trusted_proxies) {}

  const ServerOptions& options() const { return options_; }
  const TrustedProxies& trusted_proxies() const { return trusted_; }

  // Counts one more connection from `peer` under max_connections_per_client (trusted proxies are
  // not counted: every client behind them shares their address); false when the peer holds that
  // many already. Each admitted connection is released once.
  bool admit_client(const std::string& peer);
  void release_client(const std::string& peer);
  const RequestHandler& handler() const { return handler_; }

  bool stopping() const { return stopping_.load(std::memory_order_acquire); }

  // Deferred answers whose reply (holding work on an I/O context) still exists: the server
  // destroys its I/O contexts only when there are none.
  void add_deferred() { deferred_.fetch_add(1, std::memory_order_acq_rel); }
  void remove_deferred() { deferred_.fetch_sub(1, std::memory_order_acq_rel); }
  std::size_t deferred() const { return deferred_.load(std::memory_order_acquire); }

  // Admits one more request under max_in_flight; false when that many are in flight already.
  bool begin_request();
  void end_request();
  // Whether one more connection would exceed max_connections.
  bool full() const { return open_.load(std::memory_order_relaxed) >= options_.max_connections; }

  // Registers a new session; false once the server is stopping (the caller then drops it).
  bool add(const std::shared_ptr<Session>& session);
  void remove(const Session* session);
  // Sets the stop flag and returns the sessions still alive.
  std::vector<std::shared_ptr<Session>> begin_stop();
  std::size_t size() const;

 private:
  const ServerOptions options_;
  const RequestHandler handler_;
  const TrustedProxies trusted_;
  std::atomic<bool> stopping_{false};
  std::atomic<std::size_t> in_flight_{0};
  std::atomic<std::size_t> deferred_{0};
  std::atomic<std::size_t> open_{0};
  mutable std::mutex mutex_;
  std::unordered_map<const Session*, std::weak_ptr<Session>> sessions_;
  std::mutex clients_mutex_;
  std::unordered_map<std::string, std::size_t> connections_per_client_;
};

}  // namespace mart::http::detail
