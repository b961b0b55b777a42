// A delivery that fails because the consumer's storage cannot take the write (SQLite's real
// SQLITE_FULL, the database capped at its size with PRAGMA max_page_count) is not the handler's
// failure: nothing is parked or counted toward the dead-letter limit, and the event is delivered
// once there is room again.

#include "storage_cap.hpp"
#include "test_events.hpp"

#include "recording_bus.hpp"

#include <kernel/storage.hpp>

#include <doctest/doctest.h>

using namespace bus_test;
using namespace std::chrono_literals;

using mart::test::cap_at_current_size;
using mart::test::lift_cap;

namespace {

// Several rows in one statement: SQLite keeps the transaction when it runs out of pages (a
// statement journal undoes only the statement), as a handler's bigger writes do.
constexpr const char* kInsertBig =
    "INSERT INTO big(v) SELECT randomblob(65536) FROM (SELECT 1 UNION ALL SELECT 2)";

std::int64_t count(kernel::Database& db, const char* sql) {
  return db.read([&](kernel::Connection& c) {
    SQLite::Statement q(c.raw(), sql);
    q.executeStep();
    return q.getColumn(0).getInt64();
  });
}

// Runs delivery as the delivery thread does; returns whether it stopped on storage.
bool run_on_full_disk(mart::test::RecordingBus& rb) {
  try {
    rb.run_until_idle();
  } catch (const kernel::StorageUnavailable& error) {
    CHECK(error.cause() == kernel::StorageCause::disk_full);
    return true;
  }
  return false;
}

struct BigWriter {
  int calls = 0;
  int failures_left = 0;  // the handler's own failures first
};

void subscribe_big_writer(eventbus::ModuleBus& beta, BigWriter& writer) {
  beta.db().write([](kernel::Connection& c) { c.exec("CREATE TABLE big (v BLOB)"); });
  beta.subscribe<ThingHappened>("beta.on_thing_happened",
                                [&writer](const ThingHappened& e, eventbus::HandlerContext& ctx) {
                                  ++writer.calls;
                                  if (writer.failures_left > 0) {
                                    --writer.failures_left;
                                    throw std::runtime_error("downstream unavailable");
                                  }
                                  record_seen(ctx.tx.db(), e);
                                  ctx.tx.db().exec(kInsertBig);
                                });
}

}  // namespace

TEST_SUITE("eventbus") {
  TEST_CASE(
      "[Bus] a delivery that finds the disk full is retried, never counted or dead-lettered") {
    mart::test::RecordingBus rb;  // max 3 attempts
    auto& alpha = rb.host("alpha");
    auto& beta = rb.host("beta");
    create_seen_table(beta.db());
    BigWriter writer;
    subscribe_big_writer(beta, writer);
    publish(alpha, "a", 1);
    cap_at_current_size(beta.db());

    for (int round = 0; round < 5; ++round) {  // more than the attempts allowed
      CAPTURE(round);
      CHECK(run_on_full_disk(rb));
      rb.clock().advance(10s);
    }
    CHECK(writer.calls == 5);
    CHECK(beta.db().storage_failure() == kernel::StorageCause::disk_full);
    CHECK(count(beta.db(), "SELECT COUNT(*) FROM bus_parked") == 0);
    CHECK(count(beta.db(), "SELECT COUNT(*) FROM bus_attempts") == 0);
    CHECK(all_seen(beta.db()).empty());

    lift_cap(beta.db());  // space returns
    CHECK_FALSE(run_on_full_disk(rb));
    CHECK(all_seen(beta.db()) == std::vector<Seen>{{"a", 1}});
    CHECK(beta.db().storage_failure() == std::nullopt);
    CHECK(rb.bus().status().at(1).dead_letters == 0);
    CHECK(rb.bus().status().at(1).retrying == 0);
  }

  TEST_CASE("[Bus] a parked event's retries that find the disk full keep its attempt count") {
    mart::test::RecordingBus rb;  // max 3 attempts, back-off 100 ms, 200 ms, ...
    auto& alpha = rb.host("alpha");
    auto& beta = rb.host("beta");
    create_seen_table(beta.db());
    BigWriter writer;
    writer.failures_left = 1;
    subscribe_big_writer(beta, writer);
    publish(alpha, "a", 1);
    rb.run_until_idle();  // the handler's own failure: attempt 1, parked
    REQUIRE(rb.bus().status().at(1).retrying == 1);
    cap_at_current_size(beta.db());

    for (int round = 0; round < 5; ++round) {
      CAPTURE(round);
      rb.clock().advance(10s);
      CHECK(run_on_full_disk(rb));
    }
    CHECK(count(beta.db(), "SELECT attempts FROM bus_parked") == 1);
    CHECK(count(beta.db(), "SELECT COUNT(*) FROM bus_parked WHERE status = 'dead'") == 0);

    lift_cap(beta.db());
    rb.clock().advance(10s);
    CHECK_FALSE(run_on_full_disk(rb));
    CHECK(all_seen(beta.db()) == std::vector<Seen>{{"a", 1}});
    CHECK(rb.bus().status().at(1).dead_letters == 0);
    CHECK(rb.bus().status().at(1).retrying == 0);
  }
}
