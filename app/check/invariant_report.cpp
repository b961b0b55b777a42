#include "invariant_report.hpp"

#include <boost/json/array.hpp>

#include <algorithm>
#include <sstream>

namespace mart::check {

void Report::checked(const std::string& name) {
  if (std::find(checked_.begin(), checked_.end(), name) == checked_.end()) {
    checked_.push_back(name);
  }
}

void Report::breach(Breach breach) {
  ++total_breaches_;
  if (++per_invariant_[breach.invariant] <= kListedPerInvariant) {
    breaches_.push_back(std::move(breach));
  }
}

void Report::skipped(std::string what) {
  skipped_.push_back(std::move(what));
}

std::string Report::to_text() const {
  std::ostringstream out;
  for (const auto& b : breaches_) {
    out << "BREACH " << b.invariant << ": " << b.subject << ": " << b.detail << "\n";
  }
  for (const auto& [name, n] : per_invariant_) {
    if (n > kListedPerInvariant) {
      out << "BREACH " << name << ": (" << n - kListedPerInvariant
          << " more): not listed, fix the ones above first\n";
    }
  }
  for (const auto& note : skipped_) out << "skipped: " << note << "\n";
  std::ostringstream counted;
  for (const auto& [what, n] : counts_) counted << " " << what << "=" << n;
  counted << " (write pause " << static_cast<double>(write_pause_.count()) / 1000.0 << " ms)";
  if (ok()) {
    out << "ok: " << checked_.size() << " invariants hold;" << counted.str() << "\n";
  } else {
    out << "FAILED: " << total_breaches_ << " breach" << (total_breaches_ == 1 ? "" : "es")
        << " of " << checked_.size() << " invariants checked;" << counted.str() << "\n";
  }
  return out.str();
}

boost::json::object Report::to_json() const {
  boost::json::object out;
  out["ok"] = ok();
  boost::json::array checked;
  for (const auto& name : checked_) checked.emplace_back(name);
  out["checked"] = std::move(checked);
  boost::json::array breaches;
  for (const auto& b : breaches_) {
    breaches.emplace_back(boost::json::object{{"invariant", b.invariant},
                                              {"module", b.module},
                                              {"subject", b.subject},
                                              {"detail", b.detail}});
  }
  out["breaches"] = std::move(breaches);
  out["unlisted_breaches"] = static_cast<std::int64_t>(total_breaches_ - breaches_.size());
  boost::json::object counts;
  for (const auto& [what, n] : counts_) counts[what] = n;
  out["counts"] = std::move(counts);
  boost::json::array skipped;
  for (const auto& note : skipped_) skipped.emplace_back(note);
  out["skipped"] = std::move(skipped);
  // Whole milliseconds, rounded up (a pause of 0.2 ms is not none), and the microseconds.
  out["write_pause_ms"] = (write_pause_.count() + 999) / 1000;
  out["write_pause_us"] = write_pause_.count();
  return out;
}

}  // namespace mart::check
