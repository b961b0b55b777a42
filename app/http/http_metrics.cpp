#include "http/http_metrics.hpp"

#include <array>

namespace mart::http::detail {

HttpMetrics& http_metrics() {
  auto& r = kernel::metrics::registry();
  static HttpMetrics metrics{
      r.counter("mart_http_requests_total", "HTTP requests answered, by route template.",
                {"route", "method", "status"}),
      r.histogram("mart_http_request_duration_seconds",
                  "Time from a whole request read to its answer handed to the socket.",
                  {"route", "method"}),
      r.gauge("mart_http_in_flight_requests", "Requests being handled or forwarded now.").with({}),
      r.gauge("mart_http_open_connections", "Open HTTP connections.").with({}),
      r.counter("mart_http_rejected_total",
                "Requests and connections refused by the server itself, by reason.", {"reason"}),
  };
  return metrics;
}

std::string_view method_label(std::string_view method) {
  static constexpr std::array<std::string_view, 7> kKnown = {"GET",   "HEAD",   "POST",   "PUT",
                                                             "PATCH", "DELETE", "OPTIONS"};
  for (auto known : kKnown) {
    if (method == known) return known;
  }
  return "other";
}

}  // namespace mart::http::detail
