#pragma once
// The Trace of the events a request causes: the request's W3C trace id is their correlation id,
// so one trace follows the request through every module's events (and out to Kafka).

#include "eventbus/event.hpp"

#include <kernel/http.hpp>

namespace eventbus {

inline Trace trace_of(const kernel::Request& request) {
  // A request that did not pass through the HTTP adapter (a unit test) may have no trace id.
  return {request.trace_id.empty() ? request.request_id : request.trace_id, ""};
}

}  // namespace eventbus
