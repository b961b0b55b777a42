#pragma once
// The history of a delivery's failed attempts (bus_attempts, migration 0007): written only when an
// attempt fails, in the transaction that parks or reschedules the delivery.

#include "eventbus/bus_views.hpp"

#include <kernel/database.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace eventbus::detail {

// Appends the next failed attempt of (subscriber, event_id), keeping the last kAttemptsKept.
void record_attempt(kernel::Connection& c, const std::string& subscriber,
                    const std::string& event_id, std::int64_t at_ms, const std::string& error);

// The failed attempts of (subscriber, event_id), oldest first.
std::vector<FailedAttempt> attempts_of(kernel::Connection& c, const std::string& subscriber,
                                       const std::string& event_id);

}  // namespace eventbus::detail
