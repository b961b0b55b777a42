#pragma once
// GET /api/v1/admin/events/stream: the live event stream (Server-Sent Events) of this process's
// hosted modules. shared/api.md has the contract; event_tap.hpp how events reach it.

#include "event_stream/event_tap.hpp"

#include <kernel/router.hpp>

#include <cstddef>

namespace mart::event_stream {

// `buffer_bytes`: how far a reader may fall behind before it is dropped.
void add_event_stream_route(kernel::Router& router, EventTap& tap, std::size_t buffer_bytes);

// The filter a request asks for (?types=a,b&source=module); throws a 400 problem for a source
// that names no module.
StreamFilter filter_of(const kernel::Request& request);

}  // namespace mart::event_stream
