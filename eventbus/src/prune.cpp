#include "prune.hpp"

#include "outbox_sql.hpp"

#include <cstdio>

namespace eventbus::detail {
namespace {

// One transaction: the oldest delivered rows before the cutoff, up to `chunk`. Returns how many.
std::int64_t prune_outbox_chunk(kernel::Database& db, std::int64_t delivered,
                                std::int64_t cutoff_ms, int chunk) {
  return db.write([&](kernel::Connection& c) -> std::int64_t {
    auto& candidates = c.prepare(sql::kOutboxPruneCandidates);
    candidates.bind(1, delivered);
    candidates.bind(2, chunk);
    std::int64_t through = 0;  // seqs start at 1: 0 is none
    while (candidates.executeStep()) {
      // Rows are in seq order, which is publication order: the first younger row ends it.
      if (candidates.getColumn(1).getInt64() >= cutoff_ms) break;
      through = candidates.getColumn(0).getInt64();
    }
    candidates.reset();
    if (through == 0) return 0;
    auto& remove = c.prepare(sql::kOutboxPruneThrough);
    remove.bind(1, through);
    remove.exec();
    return c.changes();
  });
}

std::int64_t prune_inbox_of(kernel::Database& db, const std::string& subscriber,
                            const std::string& below_id, std::int64_t cutoff_ms, int chunk) {
  std::int64_t total = 0;
  // Chunks of ids (after, through], in id order; a row handled after the cutoff (an old event
  // delivered late) stays, and the walk goes on past it.
  std::string after;
  bool last = false;
  while (!last) {
    total += db.write([&](kernel::Connection& c) -> std::int64_t {
      auto& bound = c.prepare(sql::kInboxPruneBound);
      bound.bind(1, subscriber);
      bound.bind(2, after);
      bound.bind(3, below_id);
      bound.bind(4, chunk - 1);
      std::string through = below_id;
      if (bound.executeStep()) {
        through = bound.getColumn(0).getString();
      } else {
        last = true;  // fewer than a chunk left below the cutoff id
      }
      bound.reset();
      auto& remove = c.prepare(sql::kInboxPruneThrough);
      remove.bind(1, subscriber);
      remove.bind(2, after);
      remove.bind(3, through);
      remove.bind(4, below_id);
      remove.bind(5, cutoff_ms);
      remove.exec();
      after = through;
      return c.changes();
    });
  }
  return total;
}

// Deletes with `statement` (cutoff ?1, chunk ?2) in chunks until fewer than a chunk go.
std::int64_t prune_in_chunks(kernel::Database& db, const char* statement, std::int64_t cutoff_ms,
                             int chunk) {
  std::int64_t total = 0;
  for (;;) {
    auto removed = db.write([&](kernel::Connection& c) -> std::int64_t {
      auto& remove = c.prepare(statement);
      remove.bind(1, cutoff_ms);
      remove.bind(2, chunk);
      remove.exec();
      return c.changes();
    });
    total += removed;
    if (removed < chunk) return total;
  }
}

}  // namespace

std::string time_ordered_id_floor(std::int64_t ms) {
  auto millis = static_cast<unsigned long long>(ms < 0 ? 0 : ms) & 0xffffffffffffULL;
  char text[16];
  std::snprintf(text, sizeof text, "%08llx-%04llx", millis >> 16, millis & 0xffffULL);
  return text;
}

PruneResult prune(kernel::Database& db, std::int64_t delivered, std::int64_t cutoff_ms, int chunk) {
  PruneResult pruned;
  for (;;) {
    auto removed = prune_outbox_chunk(db, delivered, cutoff_ms, chunk);
    pruned.outbox_rows += removed;
    if (removed < chunk) break;
  }
  auto below_id = time_ordered_id_floor(cutoff_ms);
  std::string subscriber;
  for (;;) {
    auto next = db.read([&](kernel::Connection& c) -> std::optional<std::string> {
      auto& select = c.prepare(sql::kInboxNextSubscriber);
      select.bind(1, subscriber);
      std::optional<std::string> out;
      if (select.executeStep()) out = select.getColumn(0).getString();
      select.reset();
      return out;
    });
    if (!next) break;
    subscriber = *next;
    pruned.inbox_rows += prune_inbox_of(db, subscriber, below_id, cutoff_ms, chunk);
  }
  // Discarded dead letters first: their attempts then no longer belong to a waiting delivery.
  pruned.discarded_rows = prune_in_chunks(db, sql::kDiscardedPrune, cutoff_ms, chunk);
  pruned.attempt_rows = prune_in_chunks(db, sql::kAttemptsPrune, cutoff_ms, chunk);
  return pruned;
}

}  // namespace eventbus::detail
