#pragma once
// What `mart check` found: the invariants it checked, each breach, what it could not check and
// why, and counts of what it read. Printed as lines or as JSON (the CLI's two outputs).

#include <boost/json/object.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace mart::check {

// The invariants' stable names (the `invariant` of a breach, the `checked` list).
namespace invariant {
inline constexpr const char* kModuleMissing = "module_missing";
inline constexpr const char* kStockConserved = "stock_conserved";
inline constexpr const char* kStockNotNegative = "stock_not_negative";
inline constexpr const char* kConfirmedOrderPaid = "confirmed_order_paid";
inline constexpr const char* kCancelledOrderUnpaid = "cancelled_order_unpaid";
inline constexpr const char* kOneNotificationPerFact = "one_notification_per_fact";
inline constexpr const char* kPositionWithinOutbox = "consumer_position_within_outbox";
inline constexpr const char* kNoStuckOrder = "no_stuck_order";
inline constexpr const char* kMigrationsMatch = "migrations_match";
}  // namespace invariant

struct Breach {
  std::string invariant;
  std::string module;
  std::string subject;  // "order 12", "product 3", "notifications reads orders"
  std::string detail;
};

class Report {
 public:
  // Breaches listed per invariant at most; the rest are counted (a broken database of a million
  // orders must not print a million lines).
  static constexpr std::size_t kListedPerInvariant = 100;

  void checked(const std::string& name);  // once per invariant, in the order first checked
  void breach(Breach breach);
  // Something that could not be checked here (a module hosted elsewhere), and why.
  void skipped(std::string what);
  void count(const std::string& what, std::int64_t n) { counts_[what] += n; }
  void set_write_pause(std::chrono::microseconds pause) { write_pause_ = pause; }

  bool ok() const { return total_breaches_ == 0; }
  std::size_t total_breaches() const { return total_breaches_; }
  const std::vector<Breach>& breaches() const { return breaches_; }
  const std::vector<std::string>& checked_names() const { return checked_; }
  const std::vector<std::string>& skipped_notes() const { return skipped_; }
  const std::map<std::string, std::int64_t>& counts() const { return counts_; }
  std::chrono::microseconds write_pause() const { return write_pause_; }

  // One line per breach (`BREACH <invariant>: <subject>: <detail>`), a line per invariant whose
  // breaches were too many to list, a line per skipped check, then a summary line.
  std::string to_text() const;
  // {"ok","checked","breaches":[{invariant,module,subject,detail}],"counts",
  //  "unlisted_breaches","skipped","write_pause_ms"}
  boost::json::object to_json() const;

 private:
  std::vector<std::string> checked_;
  std::vector<Breach> breaches_;
  std::map<std::string, std::size_t> per_invariant_;
  std::size_t total_breaches_ = 0;
  std::vector<std::string> skipped_;
  std::map<std::string, std::int64_t> counts_;
  std::chrono::microseconds write_pause_{0};
};

}  // namespace mart::check
