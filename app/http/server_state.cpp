#include "http/server_state.hpp"

#include "http/http_metrics.hpp"
#include "http/session.hpp"

namespace mart::http::detail {

bool ServerState::add(const std::shared_ptr<Session>& session) {
  std::lock_guard lock(mutex_);
  if (stopping()) return false;
  sessions_.emplace(session.get(), session);
  open_.fetch_add(1, std::memory_order_relaxed);
  http_metrics().open_connections.inc();
  return true;
}

void ServerState::remove(const Session* session) {
  std::lock_guard lock(mutex_);
  if (sessions_.erase(session) > 0) {
    open_.fetch_sub(1, std::memory_order_relaxed);
    http_metrics().open_connections.dec();
  }
}

bool ServerState::begin_request() {
  auto now = in_flight_.fetch_add(1, std::memory_order_acq_rel);
  if (now >= options_.max_in_flight) {
    in_flight_.fetch_sub(1, std::memory_order_acq_rel);
    return false;
  }
  http_metrics().in_flight.inc();
  return true;
}

void ServerState::end_request() {
  in_flight_.fetch_sub(1, std::memory_order_acq_rel);
  http_metrics().in_flight.dec();
}

std::vector<std::shared_ptr<Session>> ServerState::begin_stop() {
  std::lock_guard lock(mutex_);
  stopping_.store(true, std::memory_order_release);
  std::vector<std::shared_ptr<Session>> alive;
  alive.reserve(sessions_.size());
  for (auto& [key, weak] : sessions_) {
    if (auto session = weak.lock()) alive.push_back(std::move(session));
  }
  return alive;
}

bool ServerState::admit_client(const std::string& peer) {
  if (trusted_.contains(peer)) return true;
  std::lock_guard lock(clients_mutex_);
  auto& count = connections_per_client_[peer];
  if (count >= options_.max_connections_per_client) {
    if (count == 0) connections_per_client_.erase(peer);
    return false;
  }
  ++count;
  return true;
}

void ServerState::release_client(const std::string& peer) {
  if (trusted_.contains(peer)) return;
  std::lock_guard lock(clients_mutex_);
  auto it = connections_per_client_.find(peer);
  if (it == connections_per_client_.end()) return;
  if (--it->second == 0) connections_per_client_.erase(it);
}

std::size_t ServerState::size() const {
  std::lock_guard lock(mutex_);
  return sessions_.size();
}

}  // namespace mart::http::detail
