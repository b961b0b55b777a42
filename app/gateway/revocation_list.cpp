#include "gateway/revocation_list.hpp"

#include <algorithm>

namespace mart::gateway {

void RevocationList::add(std::int64_t user_id, std::int64_t generation, const std::string& token_id,
                         std::int64_t expires_at, std::int64_t now) {
  std::lock_guard lock(mutex_);
  prune(now);
  if (expires_at <= now) return;  // concerns only tokens that expired already
  auto& floor = floors_[user_id];
  // Revocations may arrive in any order across restarts: the highest generation wins.
  floor.generation = std::max(floor.generation, generation);
  floor.until = std::max(floor.until, expires_at);
  if (!token_id.empty()) {
    auto& until = token_ids_[token_id];
    until = std::max(until, expires_at);
  }
}

bool RevocationList::ends(std::int64_t user_id, std::int64_t generation, std::string_view token_id,
                          std::int64_t now) const {
  std::lock_guard lock(mutex_);
  if (auto floor = floors_.find(user_id); floor != floors_.end() && floor->second.until > now &&
                                          generation < floor->second.generation) {
    return true;
  }
  if (token_id.empty()) return false;
  auto found = token_ids_.find(token_id);
  return found != token_ids_.end() && found->second > now;
}

std::size_t RevocationList::size() const {
  std::lock_guard lock(mutex_);
  return floors_.size() + token_ids_.size();
}

void RevocationList::prune(std::int64_t now) {
  // At most once a second: a burst of revocations does not rescan the maps for each one.
  if (now < next_prune_) return;
  next_prune_ = now + 1;
  std::erase_if(floors_, [now](const auto& entry) { return entry.second.until <= now; });
  std::erase_if(token_ids_, [now](const auto& entry) { return entry.second <= now; });
}

}  // namespace mart::gateway
