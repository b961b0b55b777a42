#pragma once
// Private to app/http: the server's series in the process's metrics registry.

#include <kernel/metrics.hpp>

#include <string>
#include <string_view>

namespace mart::http::detail {

struct HttpMetrics {
  kernel::metrics::Family<kernel::metrics::Counter>& requests;    // {route,method,status}
  kernel::metrics::Family<kernel::metrics::Histogram>& duration;  // {route,method}
  kernel::metrics::Gauge& in_flight;
  kernel::metrics::Gauge& open_connections;
  kernel::metrics::Family<kernel::metrics::Counter>& rejected;  // {reason}
};

HttpMetrics& http_metrics();

// The method as a label: the standard ones as they are, anything else "other" (a client must not
// be able to create series at will).
std::string_view method_label(std::string_view method);

}  // namespace mart::http::detail
