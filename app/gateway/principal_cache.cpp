#include "gateway/principal_cache.hpp"

#include <iterator>

namespace mart::gateway {

PrincipalCache::PrincipalCache(std::chrono::milliseconds ttl, std::size_t capacity)
    : ttl_(ttl), capacity_(capacity) {}

std::optional<kernel::Principal> PrincipalCache::find(std::string_view token,
                                                      kernel::TimePoint now) {
  if (ttl_.count() <= 0) return std::nullopt;
  auto now_s = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  std::lock_guard lock(mutex_);
  auto it = entries_.find(token);
  if (it == entries_.end()) return std::nullopt;
  if (now >= it->second.until || now_s >= it->second.expires_at) {
    entries_.erase(it);
    return std::nullopt;
  }
  return it->second.principal;
}

void PrincipalCache::remember(std::string_view token, const kernel::Principal& principal,
                              std::int64_t expires_at, kernel::TimePoint now) {
  if (ttl_.count() <= 0) return;
  std::lock_guard lock(mutex_);
  if (entries_.size() >= capacity_) {
    for (auto it = entries_.begin(); it != entries_.end();) {
      it = now >= it->second.until ? entries_.erase(it) : std::next(it);
    }
    // Still full of live entries (more tokens in use than the capacity): start over.
    if (entries_.size() >= capacity_) entries_.clear();
  }
  entries_.insert_or_assign(std::string(token), Entry{principal, expires_at, now + ttl_});
}

}  // namespace mart::gateway
