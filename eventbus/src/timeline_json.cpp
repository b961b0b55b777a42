#include "eventbus/timeline_json.hpp"

#include <kernel/sealed_text.hpp>
#include <kernel/time.hpp>

#include <boost/json/parse.hpp>

namespace eventbus {
namespace {

std::string rfc3339(std::int64_t ms) {
  return kernel::format_rfc3339(kernel::from_unix_millis(ms));
}

std::string_view waiting_status(const std::string& status) {
  if (status == "dead") return "dead_letter";
  if (status == "discarded") return "discarded";
  return "retrying";
}

}  // namespace

boost::json::array attempts_json(const std::vector<FailedAttempt>& attempts) {
  boost::json::array out;
  for (const auto& a : attempts) {
    out.push_back(
        boost::json::object{{"attempt", a.attempt}, {"at", rfc3339(a.at_ms)}, {"error", a.error}});
  }
  return out;
}

boost::json::object deliveries_json(const TimelineEntry& entry) {
  boost::json::array handled;
  for (const auto& h : entry.handled_by) {
    boost::json::array failures;
    for (const auto& f : h.failures) {
      failures.push_back(boost::json::object{{"at", rfc3339(f.at_ms)}, {"error", f.error}});
    }
    handled.push_back(boost::json::object{{"subscriber", h.subscriber},
                                          {"handled_at", rfc3339(h.handled_ms)},
                                          {"failures", std::move(failures)}});
  }
  // Deliveries of the event that failed: on what the aggregate waits (a provider outage, say).
  boost::json::array waiting;
  for (const auto& w : entry.waiting) {
    boost::json::object o{{"subscriber", w.subscriber},
                          {"status", waiting_status(w.status)},
                          {"attempts", w.attempts},
                          {"last_error", w.last_error},
                          {"history", attempts_json(w.history)}};
    if (w.status == "pending") o["next_attempt_at"] = rfc3339(w.next_attempt_ms);
    waiting.push_back(std::move(o));
  }
  return boost::json::object{
      {"id", entry.event.id}, {"handled_by", std::move(handled)}, {"waiting", std::move(waiting)}};
}

boost::json::object timeline_event_json(const TimelineEntry& entry) {
  auto deliveries = deliveries_json(entry);
  // The card token is for Payments only: not in the clear, and not sealed either.
  auto data = boost::json::parse(entry.event.payload);
  kernel::sealed_text::redact(data);
  return boost::json::object{{"id", entry.event.id},
                             {"type", entry.event.type},
                             {"source", entry.event.source},
                             {"key", entry.event.key},
                             {"time", rfc3339(entry.event.occurred_ms)},
                             {"correlation_id", entry.event.correlation_id},
                             {"causation_id", entry.event.causation_id.empty()
                                                  ? boost::json::value(nullptr)
                                                  : boost::json::value(entry.event.causation_id)},
                             {"data", std::move(data)},
                             {"handled_by", std::move(deliveries["handled_by"])},
                             {"waiting", std::move(deliveries["waiting"])}};
}

}  // namespace eventbus
