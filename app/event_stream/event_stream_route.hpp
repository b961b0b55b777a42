#pragma once
// GET /api/v1/admin/events/stream: the live event stream (Server-Sent Events) of this process's
// hosted modules. shared/api.md has the contract; event_tap.hpp how events reach it.

#include "event_stream/event_tap.hpp"
#include "event_stream/upstream_relay.hpp"

#include <kernel/router.hpp>

#include <cstddef>

namespace mart::event_stream {

struct StreamRouteOptions {
  std::size_t buffer_bytes = std::size_t{1} << 20;  // how far a reader may fall behind
  // Split mode: the other processes of the deployment, whose streams are merged in (unless the
  // request says scope=local, as the relays' own requests do).
  UpstreamRelays* relays = nullptr;
  std::vector<RelayTarget> upstreams;
};

void add_event_stream_route(kernel::Router& router, EventTap& tap, StreamRouteOptions options);

// The filter a request asks for (?types=a,b&source=module); throws a 400 problem for a source
// that names no module.
StreamFilter filter_of(const kernel::Request& request);

}  // namespace mart::event_stream
