#pragma once
// What the bus tells an operator: module status, parked events, timelines, pruning.

#include "eventbus/event.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace eventbus {

struct ModuleStatus {
  std::string module;
  std::int64_t outbox_waiting = 0;  // published, not yet handled by every subscriber
  std::int64_t oldest_waiting_age_ms = 0;
  std::int64_t retrying = 0;  // parked deliveries still being retried
  std::int64_t dead_letters = 0;
};

// One failed attempt to deliver an event to a subscriber. `attempt` counts every failure of
// that delivery, across replays (only the last kAttemptsKept are kept).
struct FailedAttempt {
  int attempt = 0;
  std::int64_t at_ms = 0;
  std::string error;
};
inline constexpr int kAttemptsKept = 50;

enum class ParkedStatus { pending, dead, discarded };

struct ParkedEvent {
  std::int64_t id = 0;  // unique across modules (see Bus::dead_letters)
  std::string module;   // the consuming module
  std::string subscriber;
  std::string status;  // "pending" | "dead" | "discarded"
  int attempts = 0;
  std::string last_error;
  std::int64_t parked_ms = 0;
  std::int64_t updated_ms = 0;
  Envelope event;
  std::vector<FailedAttempt> history;  // oldest first
};

// Who acts on a dead letter: a signed-in admin, or nobody known (the command line).
struct Operator {
  std::optional<std::int64_t> user_id;
};

// One replay or discard of a dead letter, as the consuming module recorded it.
struct AuditEntry {
  std::int64_t id = 0;  // unique across modules, like dead-letter ids
  std::string action;   // "replay" | "discard"
  std::int64_t dead_letter_id = 0;
  std::string module;
  std::string subscriber;
  std::string event_id;
  std::string event_type;
  std::optional<std::int64_t> actor_user_id;
  std::optional<std::string> reason;  // a discard's
  std::string outcome;                // "delivered" | "retrying" | "discarded"
  std::int64_t at_ms = 0;
};

// Where an audit entry stands in the newest-first order of every module's entries (time, then
// local id, then module code; the id is local id * 16 + code): the keyset a cursor carries. It
// needs no lookup, so any process (a split deployment's gateway too) pages on from it.
inline std::int64_t audit_position(std::int64_t at_ms, std::int64_t id) {
  return (at_ms << 20) | (((id / 16) & 0xFFFF) << 4) | (id % 16);
}
inline std::int64_t audit_position(const AuditEntry& a) {
  return audit_position(a.at_ms, a.id);
}

// One event of an aggregate's history and the subscribers (in this process) that handled it.
struct TimelineEntry {
  Envelope event;
  struct Handled {
    std::string subscriber;
    std::int64_t handled_ms = 0;
    std::vector<FailedAttempt> failures;  // the failed attempts before it succeeded
  };
  std::vector<Handled> handled_by;
  // Subscribers (in this process) whose delivery of the event failed and waits for a retry, or
  // gave up (a dead letter, or one an operator discarded): on what it waits is in last_error.
  struct Waiting {
    std::string subscriber;
    std::string status;  // "pending" | "dead" | "discarded"
    int attempts = 0;
    std::string last_error;
    std::int64_t next_attempt_ms = 0;
    std::vector<FailedAttempt> history;
  };
  std::vector<Waiting> waiting;
};

// Rows the bus's retention deleted.
struct PruneResult {
  std::int64_t outbox_rows = 0;
  std::int64_t inbox_rows = 0;
  std::int64_t attempt_rows = 0;    // failed attempts of deliveries no longer waiting
  std::int64_t discarded_rows = 0;  // discarded dead letters
};

}  // namespace eventbus
