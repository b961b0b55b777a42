#pragma once
// What the bus tells an operator: module status, parked events, timelines, pruning.

#include "eventbus/event.hpp"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace eventbus {

struct ModuleStatus {
  std::string module;
  std::int64_t outbox_waiting = 0;  // published, not yet handled by every subscriber
  std::int64_t oldest_waiting_age_ms = 0;
  std::int64_t retrying = 0;  // parked deliveries still being retried
  std::int64_t dead_letters = 0;
};

struct ParkedEvent {
  std::int64_t id = 0;  // unique across modules (see Bus::dead_letters)
  std::string module;   // the consuming module
  std::string subscriber;
  std::string status;  // "pending" | "dead"
  int attempts = 0;
  std::string last_error;
  std::int64_t parked_ms = 0;
  std::int64_t updated_ms = 0;
  Envelope event;
};

// One event of an aggregate's history and the subscribers (in this process) that handled it.
struct TimelineEntry {
  Envelope event;
  std::vector<std::pair<std::string, std::int64_t>> handled_by;  // subscriber, handled at (ms)
  // Subscribers (in this process) whose delivery of the event failed and waits for a retry, or
  // gave up (a dead letter): on what it waits is in last_error.
  struct Waiting {
    std::string subscriber;
    std::string status;  // "pending" | "dead"
    int attempts = 0;
    std::string last_error;
    std::int64_t next_attempt_ms = 0;
  };
  std::vector<Waiting> waiting;
};

// Rows the bus's retention deleted.
struct PruneResult {
  std::int64_t outbox_rows = 0;
  std::int64_t inbox_rows = 0;
};

}  // namespace eventbus
