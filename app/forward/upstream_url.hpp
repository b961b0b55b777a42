#pragma once
// The base URL of an upstream (a process that hosts a module this one does not):
// http://host[:port][/base-path]. Used by the configuration to check the setting and by the
// forwarder to know where to connect.

#include "http/server.hpp"

#include <string_view>

namespace mart::forward {

// Parses `url` (Boost.URL). Throws std::invalid_argument saying what is wrong: not http:// (https
// is not supported), credentials, no host, a bad port, a query or a fragment. The result's name
// and timeout are left for the caller to fill in; a trailing '/' of the base path is dropped.
http::Upstream parse_upstream_url(std::string_view url);

}  // namespace mart::forward
