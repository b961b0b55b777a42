#include "event_stream/event_stream_route.hpp"

#include <kernel/problem.hpp>
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

}  // namespace

StreamFilter filter_of(const kernel::Request& request) {
  StreamFilter filter;
  if (auto types = request.query_param("types")) filter.types = split_list(*types);
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

void add_event_stream_route(kernel::Router& router, EventTap& tap, std::size_t buffer_bytes) {
  router.get(
      "/api/v1/admin/events/stream",
      [&tap, buffer_bytes](kernel::Request& request) {
        auto filter = filter_of(request);
        auto slot = tap.reserve();
        if (!slot) {
          auto busy = kernel::problem_response(
              503, kernel::status_title(503),
              "As many event streams are open as console.max_streams allows; retry later.");
          busy.headers.set("Retry-After", "5");
          return busy;
        }
        std::optional<std::string> last_event_id;
        if (auto header = request.header("Last-Event-ID"); header && !header->empty()) {
          last_event_id = std::string(*header);
        }
        kernel::Response response;
        response.status = 200;
        response.headers.set("Content-Type", "text/event-stream; charset=utf-8");
        response.headers.set("Cache-Control", "no-cache, no-store");
        response.headers.set("X-Accel-Buffering", "no");  // proxies: pass each event on at once
        response.stream_buffer_limit = buffer_bytes;
        response.stream = [&tap, slot = std::move(slot), filter = std::move(filter),
                           last_event_id = std::move(last_event_id)](
                              std::shared_ptr<kernel::StreamWriter> writer) mutable {
          tap.add(std::move(slot), std::move(writer), std::move(filter), std::move(last_event_id));
        };
        return response;
      },
      kernel::Access::admin);
}

}  // namespace mart::event_stream
