#pragma once
// SQL of the notifications table. Every function runs on a connection the caller holds (inside a
// transaction for writes).

#include "domain/notification.hpp"

#include <kernel/database.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace notifications::store {

// Inserts a notification unless one exists for (user, source event): pending, or delivered at
// `delivered_at` when given. The id of the new row, or nullopt when it was a duplicate.
std::optional<std::int64_t> insert_unless_known(
    kernel::Connection& c, const Notice& notice, const std::string& envelope_id,
    const std::string& channel, const std::string& created_at,
    const std::optional<std::string>& delivered_at = std::nullopt);
std::optional<Notification> find(kernel::Connection& c, std::int64_t id);
// Keyset page of one user's notifications, newest first: ids < before, at most limit rows.
std::vector<Notification> page_for_user(kernel::Connection& c, std::int64_t user_id,
                                        std::int64_t before, int limit);
// The pending notifications recorded for `channel`, oldest first (for the start-up catch-up).
std::vector<Notification> pending(kernel::Connection& c, std::string_view channel);
// Only a pending row changes; a delivered one keeps its first delivery time.
void mark_delivered(kernel::Connection& c, std::int64_t id, const std::string& at);
// False when no such notification belongs to the user.
bool mark_read(kernel::Connection& c, std::int64_t id, std::int64_t user_id);

}  // namespace notifications::store
