#pragma once
// What a subscriber is, to the bus: its handler, an outside call, and whether it may rerun.

#include "eventbus/event.hpp"
#include "eventbus/tx.hpp"

#include <kernel/database.hpp>

#include <functional>

namespace eventbus {

// What a subscriber's handler gets: its own module's open transaction and the event's envelope.
// Events published through `tx` carry the incoming event's correlation id.
struct HandlerContext {
  Tx& tx;
  const Envelope& event;
};

using RawHandler = std::function<void(HandlerContext&)>;

// A subscriber that calls the outside world (a payment provider, a webhook) works in two steps:
// `call` runs with no transaction open and no write lock held (it may read its module's database
// through db.read: the calls of one batch share one read transaction, begun after the previous
// batch committed) and makes the outside call; the RawHandler it returns records the outcome in
// a short transaction, together with the inbox row. A call that throws fails the delivery (it is
// retried per OutsideRetry). A crash between the two steps makes the call again: the outside
// party must accept a repeat (an idempotency key, a receiver that tolerates duplicates).
using OutsideCall = std::function<RawHandler(const Envelope&, kernel::Database& db)>;

// Whether a handler may run again when another event of its batch fails. A consumer handles a
// batch without a savepoint per event first (the common case: every handler succeeds); when a
// handler throws, the whole batch is rolled back and handled again with one savepoint per event,
// so that only the failing event is undone and parked. The handlers before it then run twice:
// harmless for effects inside the transaction, and for idempotent effects outside it (the
// payment provider's charge, keyed by order). A handler whose outside effect must not repeat
// (a webhook call) is `forbidden`: a batch holding one of its events gets a savepoint per event
// from the start.
enum class Reruns { allowed, forbidden };

}  // namespace eventbus
