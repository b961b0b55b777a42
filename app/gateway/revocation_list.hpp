#pragma once
// The tokens ended early, as a process without the users module learns them (split mode): the
// users module publishes users.tokens_revoked.v1 and the revocation follower adds each one here;
// the gateway asks before it trusts a token's claims. Thread-safe: one writer (the follower),
// many readers (the sessions).

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

namespace mart::gateway {

class RevocationList {
 public:
  // Every token of `user_id` below `generation` is dead, and so is `token_id` (when not empty),
  // until `expires_at` (unix seconds), after which those tokens have expired anyway.
  void add(std::int64_t user_id, std::int64_t generation, const std::string& token_id,
           std::int64_t expires_at, std::int64_t now);
  // Whether a token of this user, generation and id was ended before its expiry.
  bool ends(std::int64_t user_id, std::int64_t generation, std::string_view token_id,
            std::int64_t now) const;
  std::size_t size() const;

 private:
  struct Floor {
    std::int64_t generation = 0;  // the account's lowest live generation
    std::int64_t until = 0;
  };
  void prune(std::int64_t now);  // with mutex_ held

  mutable std::mutex mutex_;
  std::map<std::int64_t, Floor> floors_;
  std::map<std::string, std::int64_t, std::less<>> token_ids_;  // jti -> until
  std::int64_t next_prune_ = 0;
};

}  // namespace mart::gateway
