#include "attempt_log.hpp"

#include "outbox_sql.hpp"

namespace eventbus::detail {

void record_attempt(kernel::Connection& c, const std::string& subscriber,
                    const std::string& event_id, std::int64_t at_ms, const std::string& error) {
  auto& last = c.prepare(sql::kLastAttempt);
  last.bind(1, subscriber);
  last.bind(2, event_id);
  last.executeStep();
  auto attempt = last.getColumn(0).getInt64() + 1;
  last.reset();
  auto& insert = c.prepare(sql::kInsertAttempt);
  insert.bind(1, subscriber);
  insert.bind(2, event_id);
  insert.bind(3, attempt);
  insert.bind(4, at_ms);
  insert.bind(5, error);
  insert.exec();
  if (attempt <= kAttemptsKept) return;
  // An outage can fail one delivery for hours: its history keeps the recent attempts.
  auto& trim = c.prepare(sql::kTrimAttempts);
  trim.bind(1, subscriber);
  trim.bind(2, event_id);
  trim.bind(3, attempt - kAttemptsKept);
  trim.exec();
}

std::vector<FailedAttempt> attempts_of(kernel::Connection& c, const std::string& subscriber,
                                       const std::string& event_id) {
  std::vector<FailedAttempt> out;
  auto& select = c.prepare(sql::kAttemptsOf);
  select.bind(1, subscriber);
  select.bind(2, event_id);
  while (select.executeStep()) {
    out.push_back({select.getColumn(0).getInt(), select.getColumn(1).getInt64(),
                   select.getColumn(2).getString()});
  }
  select.reset();
  return out;
}

}  // namespace eventbus::detail
