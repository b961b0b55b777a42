#include "event_stream/event_stream_route.hpp"

#include <kernel/problem.hpp>
#include <kernel/time.hpp>
#include <mart/module_list.hpp>

#include <algorithm>
#include <utility>

namespace mart::event_stream {
namespace {

std::vector<std::string> split_list(std::string_view text) {
  std::vector<std::string> out;
  while (!text.empty()) {
    auto comma = text.find(',');
    auto item = text.substr(0, comma);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (!item.empty()) out.emplace_back(item);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return out;
}

// The filter as a query string for an upstream (the values are module and type names: letters,
// digits, '.', '_').
std::string query_of(const StreamFilter& filter) {
  std::string query;
  if (!filter.types.empty()) {
    query += "types=";
    for (std::size_t i = 0; i < filter.types.size(); ++i) {
      query += (i ? "," : "") + filter.types[i];
    }
  }
  if (!filter.source.empty()) query += (query.empty() ? "source=" : "&source=") + filter.source;
  return query;
}

}  // namespace

StreamFilter filter_of(const kernel::Request& request) {
  StreamFilter filter;
  if (auto types = request.query_param("types")) filter.types = split_list(*types);
  for (const auto& type : filter.types) {
    auto valid = std::all_of(type.begin(), type.end(), [](char c) {
      return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_';
    });
    if (!valid) {
      throw kernel::ApiError::bad_request("types: '" + type +
                                          "' is not an event type (e.g. orders.order_placed.v1).");
    }
  }
  if (auto source = request.query_param("source"); source && !source->empty()) {
    if (std::find(kModuleNames.begin(), kModuleNames.end(), *source) == kModuleNames.end()) {
      throw kernel::ApiError::bad_request("source: '" + *source +
                                          "' is not a module (products, orders, payments, "
                                          "inventory, notifications, users).");
    }
    filter.source = *source;
  }
  return filter;
}

void add_event_stream_route(kernel::Router& router, EventTap& tap, StreamRouteOptions options) {
  router.get(
      "/api/v1/admin/events/stream",
      [&tap, options = std::move(options)](kernel::Request& request) {
        auto filter = filter_of(request);
        const bool local = request.query_param("scope") == "local";
        if (auto scope = request.query_param("scope"); scope && !local) {
          throw kernel::ApiError::bad_request("scope: only 'local' is known.");
        }
        EventTap::Resume resume;
        if (auto since = request.query_param("since")) {
          auto at = kernel::parse_rfc3339(*since);
          if (!at) throw kernel::ApiError::bad_request("since: not an RFC 3339 time.");
          resume.since_ms = kernel::to_unix_millis(*at);
        }
        auto slot = tap.reserve();
        if (!slot) {
          auto busy = kernel::problem_response(
              503, kernel::status_title(503),
              "As many event streams are open as console.max_streams allows; retry later.");
          busy.headers.set("Retry-After", "5");
          return busy;
        }
        if (auto header = request.header("Last-Event-ID"); header && !header->empty()) {
          resume.last_event_id = std::string(*header);
        }
        const bool merged = !local && options.relays && !options.upstreams.empty();
        RelayRequest relayed;
        if (merged) {
          resume.elsewhere = true;
          relayed.last_event_id = resume.last_event_id;
          if (resume.last_event_id && !resume.since_ms) {
            // The process that published it resumes after it; the others from its time.
            relayed.since = options.relays->time_of(*resume.last_event_id);
            if (relayed.since) {
              if (auto at = kernel::parse_rfc3339(*relayed.since)) {
                resume.since_ms = kernel::to_unix_millis(*at);
              }
            }
          } else if (auto since = request.query_param("since")) {
            relayed.since = *since;
          }
          relayed.query = query_of(filter);
          for (const auto* name : {"Authorization", "traceparent"}) {
            if (auto value = request.header(name)) relayed.headers.set(name, std::string(*value));
          }
        }
        kernel::Response response;
        response.status = 200;
        response.headers.set("Content-Type", "text/event-stream; charset=utf-8");
        response.headers.set("Cache-Control", "no-cache, no-store");
        response.headers.set("X-Accel-Buffering", "no");  // proxies: pass each event on at once
        response.stream_buffer_limit = options.buffer_bytes;
        response.stream =
            [&tap, &options, merged, slot = std::move(slot), filter = std::move(filter),
             resume = std::move(resume),
             relayed = std::move(relayed)](std::shared_ptr<kernel::StreamWriter> writer) mutable {
              if (merged) options.relays->start(options.upstreams, relayed, writer);
              tap.add(std::move(slot), std::move(writer), std::move(filter), std::move(resume));
            };
        return response;
      },
      kernel::Access::admin);
}

}  // namespace mart::event_stream
