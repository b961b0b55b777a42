#pragma once
// W3C Trace Context (https://www.w3.org/TR/trace-context/): the traceparent field
// "00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>". A request keeps the trace its client
// started, or starts one; the trace id is the correlation id of every event it causes.

#include "kernel/http.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace kernel {

struct TraceParent {
  std::string trace_id;   // 32 lower-hex, not all zeros
  std::string parent_id;  // 16 lower-hex, not all zeros
  std::string flags;      // 2 lower-hex
};

// Version 00 only; nullopt for anything malformed (upper-case hex, all-zero ids, wrong lengths).
std::optional<TraceParent> parse_traceparent(std::string_view text);

// Sets request.trace_id and trace_flags from its traceparent field, or starts a new trace (a
// fresh random trace id) when it has none or a malformed one; gives the request its own span id.
void start_trace(Request& request);

// "00-<trace id>-<span id>-<flags>": this request's span, for the answer and for an upstream.
std::string traceparent_of(const Request& request);

}  // namespace kernel
