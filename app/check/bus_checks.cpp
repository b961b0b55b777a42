// The event bus's tables, present in every module's database (migrations/eventbus).

#include "consistent_cut.hpp"
#include "module_checks.hpp"

#include <mart/module_list.hpp>

#include <SQLiteCpp/Statement.h>

#include <map>

namespace mart::check {
namespace {

constexpr const char* kHead = "SELECT COALESCE(MAX(seq), 0) FROM bus_outbox";
constexpr const char* kDelivered = "SELECT seq FROM bus_delivered WHERE id = 1";
constexpr const char* kPositions = "SELECT source, seq FROM bus_positions ORDER BY source";

std::int64_t head_of(SQLite::Database& db) {
  SQLite::Statement head(db, kHead);
  head.executeStep();
  return head.getColumn(0).getInt64();
}

bool is_module(const std::string& name) {
  return module_code(name) != 0;
}

}  // namespace

void check_positions(const ConsistentCut& cut, Report& report) {
  report.checked(invariant::kPositionWithinOutbox);
  std::map<std::string, std::int64_t> heads;
  for (const auto& name : cut.present()) heads[name] = head_of(*cut.module(name));
  std::int64_t events = 0;
  for (const auto& [name, head] : heads) events += head;
  report.count("outbox_events", events);

  std::int64_t remote = 0;
  for (const auto& consumer : cut.present()) {
    auto& db = *cut.module(consumer);
    SQLite::Statement delivered(db, kDelivered);
    if (delivered.executeStep() && delivered.getColumn(0).getInt64() > heads[consumer]) {
      report.breach({invariant::kPositionWithinOutbox, consumer, consumer + " delivered position",
                     "at " + std::to_string(delivered.getColumn(0).getInt64()) +
                         " but its outbox ends at " + std::to_string(heads[consumer])});
    }
    SQLite::Statement positions(db, kPositions);
    while (positions.executeStep()) {
      auto source = positions.getColumn(0).getString();
      auto seq = positions.getColumn(1).getInt64();
      if (!is_module(source)) {
        ++remote;  // a Kafka partition's offset (split mode): not an outbox here
        continue;
      }
      auto head = heads.find(source);
      if (head == heads.end()) {
        report.skipped(consumer + "'s position in " + source + "'s outbox (" + source +
                       ".db is not in this data directory)");
        continue;
      }
      if (seq > head->second) {
        report.breach({invariant::kPositionWithinOutbox, consumer, consumer + " reads " + source,
                       "position " + std::to_string(seq) + " is past the head of " + source +
                           "'s outbox (" + std::to_string(head->second) + ")"});
      }
    }
  }
  if (remote > 0) {
    report.skipped(std::to_string(remote) +
                   " Kafka consumer positions (checked by the broker, not here)");
  }
}

}  // namespace mart::check
