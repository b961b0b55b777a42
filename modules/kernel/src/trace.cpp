#include "kernel/trace.hpp"

#include "kernel/ids.hpp"

#include <algorithm>

namespace kernel {
namespace {

bool is_lower_hex(std::string_view text) {
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

bool all_zeros(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return c == '0'; });
}

}  // namespace

std::optional<TraceParent> parse_traceparent(std::string_view text) {
  // 2 + 1 + 32 + 1 + 16 + 1 + 2
  if (text.size() != 55 || text[2] != '-' || text[35] != '-' || text[52] != '-') {
    return std::nullopt;
  }
  auto version = text.substr(0, 2);
  auto trace_id = text.substr(3, 32);
  auto parent_id = text.substr(36, 16);
  auto flags = text.substr(53, 2);
  if (version != "00" || !is_lower_hex(trace_id) || !is_lower_hex(parent_id) ||
      !is_lower_hex(flags) || all_zeros(trace_id) || all_zeros(parent_id)) {
    return std::nullopt;
  }
  return TraceParent{std::string(trace_id), std::string(parent_id), std::string(flags)};
}

void start_trace(Request& request) {
  auto field = request.header("traceparent");
  auto parent = field ? parse_traceparent(*field) : std::nullopt;
  if (parent) {
    request.trace_id = std::move(parent->trace_id);
    request.trace_flags = std::move(parent->flags);
  } else {
    request.trace_id = unique_hex_id();
    request.trace_flags = "01";
  }
  request.span_id = unique_hex_id().substr(0, 16);
}

std::string traceparent_of(const Request& request) {
  return "00-" + request.trace_id + "-" + request.span_id + "-" + request.trace_flags;
}

}  // namespace kernel
