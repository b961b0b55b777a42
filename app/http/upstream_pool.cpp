#include "http/upstream_pool.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/execution/context.hpp>
#include <boost/asio/query.hpp>

#include <algorithm>

namespace mart::http::detail {
namespace {

using tcp = boost::asio::ip::tcp;

// True when the peer has neither closed the connection nor sent anything unasked: a peek that
// would block. (A closed connection reads as end-of-file; unasked bytes would corrupt the next
// answer.)
bool still_usable(tcp::socket& socket) {
  boost::system::error_code ec;
  socket.non_blocking(true, ec);
  if (ec) return false;
  char byte = 0;
  socket.receive(boost::asio::buffer(&byte, 1), tcp::socket::message_peek, ec);
  bool usable = ec == boost::asio::error::would_block;
  socket.non_blocking(false, ec);
  return usable && !ec;
}

}  // namespace

boost::asio::execution_context::id UpstreamPool::id;

UpstreamPool::UpstreamPool(boost::asio::execution_context& context)
    : boost::asio::execution_context::service(context) {}

UpstreamPool& UpstreamPool::of(const boost::asio::any_io_executor& executor) {
  return boost::asio::use_service<UpstreamPool>(
      boost::asio::query(executor, boost::asio::execution::context));
}

std::optional<tcp::socket> UpstreamPool::take(const std::string& upstream) {
  auto it = idle_.find(upstream);
  if (it == idle_.end()) return std::nullopt;
  auto& list = it->second;
  prune(list);
  while (!list.empty()) {
    auto socket = std::move(list.back().socket);
    list.pop_back();
    if (still_usable(socket)) return socket;
    boost::system::error_code ignored;
    socket.close(ignored);
  }
  return std::nullopt;
}

void UpstreamPool::give_back(const std::string& upstream, tcp::socket socket) {
  auto& list = idle_[upstream];
  prune(list);
  if (list.size() >= kMaxIdlePerUpstream) {
    boost::system::error_code ignored;
    list.front().socket.close(ignored);
    list.erase(list.begin());
  }
  list.push_back({std::move(socket), std::chrono::steady_clock::now()});
}

std::size_t UpstreamPool::idle() const {
  std::size_t count = 0;
  for (const auto& [name, list] : idle_) count += list.size();
  return count;
}

void UpstreamPool::prune(std::vector<Idle>& list) {
  auto oldest_kept = std::chrono::steady_clock::now() - kMaxIdleTime;
  auto stale = std::partition_point(list.begin(), list.end(),
                                    [&](const Idle& entry) { return entry.since < oldest_kept; });
  for (auto it = list.begin(); it != stale; ++it) {
    boost::system::error_code ignored;
    it->socket.close(ignored);
  }
  list.erase(list.begin(), stale);
}

void UpstreamPool::shutdown() {
  for (auto& [name, list] : idle_) {
    for (auto& entry : list) {
      boost::system::error_code ignored;
      entry.socket.close(ignored);
    }
  }
  idle_.clear();
}

}  // namespace mart::http::detail
