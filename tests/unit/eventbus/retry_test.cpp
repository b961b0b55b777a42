#include "test_events.hpp"

#include "bus_database.hpp"
#include "recording_bus.hpp"
#include "temp_dir.hpp"

#include <doctest/doctest.h>

#include <sqlite3.h>

#include <algorithm>
#include <future>
#include <map>
#include <set>
#include <thread>

using namespace bus_test;
using namespace std::chrono_literals;

namespace {

// beta's subscriber fails for the things in `failing` (while `failures_left` > 0 for that thing).
struct Flaky {
  std::map<std::string, int> failures_left;
  int calls = 0;
};

void subscribe_flaky(eventbus::ModuleBus& beta, Flaky& flaky) {
  beta.subscribe<ThingHappened>("beta.on_thing_happened",
                                [&flaky](const ThingHappened& e, eventbus::HandlerContext& ctx) {
                                  ++flaky.calls;
                                  record_seen(ctx.tx.db(), e);  // undone when we throw below
                                  auto it = flaky.failures_left.find(e.thing);
                                  if (it != flaky.failures_left.end() && it->second != 0) {
                                    if (it->second > 0) --it->second;
                                    throw std::runtime_error("downstream unavailable");
                                  }
                                });
}

}  // namespace

TEST_SUITE("eventbus") {
  TEST_CASE("[Bus] a failing handler is retried with back-off until it succeeds, effects once") {
    mart::test::RecordingBus rb;  // max 3 attempts, back-off 100 ms, 200 ms, ...
    auto& alpha = rb.host("alpha");
    auto& beta = rb.host("beta");
    create_seen_table(beta.db());
    Flaky flaky;
    flaky.failures_left["a"] = 2;
    subscribe_flaky(beta, flaky);
    publish(alpha, "a", 1);

    rb.run_until_idle();
    CHECK(flaky.calls == 1);
    CHECK(all_seen(beta.db()).empty());  // the failed attempt left no effect
    CHECK(rb.bus().status().at(1).retrying == 1);

    rb.run_until_idle();  // back-off not elapsed: no new attempt
    CHECK(flaky.calls == 1);

    rb.clock().advance(100ms);
    rb.run_until_idle();
    CHECK(flaky.calls == 2);
    CHECK(all_seen(beta.db()).empty());

    rb.clock().advance(150ms);  // second back-off is 200 ms
    rb.run_until_idle();
    CHECK(flaky.calls == 2);
    rb.clock().advance(50ms);
    rb.run_until_idle();
    CHECK(flaky.calls == 3);
    CHECK(all_seen(beta.db()) == std::vector<Seen>{{"a", 1}});
    CHECK(rb.bus().status().at(1).retrying == 0);
    CHECK(rb.bus().dead_letters(std::nullopt, 10).empty());
  }

  TEST_CASE("[Bus] a poison event is dead-lettered without blocking other keys; its key waits") {
    mart::test::RecordingBus rb;
    auto& alpha = rb.host("alpha");
    auto& beta = rb.host("beta");
    create_seen_table(beta.db());
    Flaky flaky;
    flaky.failures_left["poison"] = -1;  // always fails
    subscribe_flaky(beta, flaky);

    publish(alpha, "poison", 1);
    publish(alpha, "other", 1);
    publish(alpha, "poison", 2);  // must not overtake poison 1
    publish(alpha, "other", 2);
    rb.run_until_idle();
    // Other keys flow on; poison 2 waits behind poison 1.
    CHECK(all_seen(beta.db()) == std::vector<Seen>{{"other", 1}, {"other", 2}});

    rb.clock().advance(100ms);
    rb.run_until_idle();
    rb.clock().advance(200ms);
    rb.run_until_idle();  // third attempt fails: dead letter; poison 2 may now go
    auto dead = rb.bus().dead_letters(std::nullopt, 10);
    REQUIRE(dead.size() == 1);
    CHECK(dead[0].module == "beta");
    CHECK(dead[0].subscriber == "beta.on_thing_happened");
    CHECK(dead[0].attempts == 3);
    CHECK(dead[0].last_error == "downstream unavailable");
    CHECK(dead[0].event.type == "alpha.thing_happened.v1");
    CHECK(dead[0].event.key == "poison");
    CHECK(rb.bus().status().at(1).dead_letters == 1);
    // poison 2 was tried once it no longer waited, and failed too (it is poison as well).
    CHECK(all_seen(beta.db()) == std::vector<Seen>{{"other", 1}, {"other", 2}});

    SUBCASE("replay after the cause is fixed delivers it exactly once") {
      flaky.failures_left["poison"] = 0;
      auto outcome = rb.bus().replay(dead[0].id);
      CHECK(outcome.result == eventbus::Bus::ReplayOutcome::Result::delivered);
      rb.clock().advance(1s);
      rb.run_until_idle();
      auto seen = all_seen(beta.db());
      CHECK(std::count(seen.begin(), seen.end(), Seen{"poison", 1}) == 1);
      CHECK(std::count(seen.begin(), seen.end(), Seen{"poison", 2}) == 1);
      CHECK(rb.bus().dead_letters(std::nullopt, 10).empty());
    }
    SUBCASE("replay that fails again puts it back on the retry schedule") {
      auto outcome = rb.bus().replay(dead[0].id);
      CHECK(outcome.result == eventbus::Bus::ReplayOutcome::Result::failed_again);
      REQUIRE(outcome.entry);
      CHECK(outcome.entry->status == "pending");
    }
    SUBCASE("an unknown id is refused") {
      CHECK_THROWS_AS(rb.bus().replay(dead[0].id + std::int64_t{16} * 1000), std::out_of_range);
      CHECK_THROWS_AS(rb.bus().replay(-1), std::out_of_range);
    }
  }

  TEST_CASE("[Bus] an event whose payload cannot be decoded is parked, not lost") {
    mart::test::RecordingBus rb;
    auto& alpha = rb.host("alpha");
    auto& beta = rb.host("beta");
    create_seen_table(beta.db());
    Flaky flaky;
    subscribe_flaky(beta, flaky);
    alpha.transact({"c", ""}, [](eventbus::Tx& tx) {
      tx.append(ThingHappened::kType, ThingHappened::kTopic, "x", R"({"thing":"x","n":"one"})");
    });
    publish(alpha, "y", 1);
    rb.run_until_idle();
    rb.clock().advance(10s);
    rb.run_until_idle();
    rb.clock().advance(10s);
    rb.run_until_idle();
    CHECK(all_seen(beta.db()) == std::vector<Seen>{{"y", 1}});
    CHECK(rb.bus().dead_letters(std::nullopt, 10).size() == 1);
  }
}

TEST_SUITE("eventbus") {
  TEST_CASE(
      "[Bus] per-key order spans all subscribers of a module: a later event waits for a "
      "parked earlier one even when another subscriber handles it") {
    mart::test::RecordingBus rb;
    auto& alpha = rb.host("alpha");
    auto& beta = rb.host("beta");
    create_seen_table(beta.db());
    int first_failures = 1;
    // Two reactions of one module to the same key: "open" must come before "close".
    beta.subscribe<ThingHappened>("beta.on_first", [&](const ThingHappened& e, auto& ctx) {
      if (e.n != 1) return;
      if (first_failures-- > 0) throw std::runtime_error("not yet");
      record_seen(ctx.tx.db(), e);
    });
    beta.subscribe<ThingHappened>("beta.on_second", [](const ThingHappened& e, auto& ctx) {
      if (e.n == 2) record_seen(ctx.tx.db(), e);
    });
    publish(alpha, "k", 1);
    publish(alpha, "k", 2);
    publish(alpha, "other", 2);
    rb.run_until_idle();
    CHECK(all_seen(beta.db()) == std::vector<Seen>{{"other", 2}});  // k waits behind k 1
    rb.clock().advance(100ms);
    rb.run_until_idle();
    CHECK(all_seen(beta.db()) == std::vector<Seen>{{"other", 2}, {"k", 1}, {"k", 2}});
  }

  TEST_CASE("[Bus] a failure in a batch undoes only its event; the handlers before it ran twice") {
    mart::test::RecordingBus rb;
    auto& alpha = rb.host("alpha");
    auto& beta = rb.host("beta");
    create_seen_table(beta.db());
    Flaky flaky;
    flaky.failures_left["b"] = -1;  // always
    subscribe_flaky(beta, flaky);
    publish(alpha, "a", 1);
    publish(alpha, "b", 1);
    publish(alpha, "c", 1);
    rb.run_until_idle();  // one batch: a, b (fails), c
    // First attempt without savepoints: a, then b fails and the attempt is rolled back. Second
    // attempt, one savepoint per event: a again, b parked with the first attempt's error (not
    // called again), then c.
    CHECK(flaky.calls == 4);
    CHECK(all_seen(beta.db()) == std::vector<Seen>{{"a", 1}, {"c", 1}});
    CHECK(rb.bus().status().at(1).retrying == 1);
  }

  TEST_CASE("[Bus] a handler whose reruns are forbidden runs once per event of a failing batch") {
    mart::test::RecordingBus rb;
    auto& alpha = rb.host("alpha");
    auto& beta = rb.host("beta");
    create_seen_table(beta.db());
    Flaky flaky;
    flaky.failures_left["b"] = -1;
    subscribe_flaky(beta, flaky);
    std::map<std::string, int> calls;
    beta.subscribe<ThingHappened>(
        "beta.call_out",
        [&calls](const ThingHappened& e, eventbus::HandlerContext&) { ++calls[e.thing]; },
        eventbus::Reruns::forbidden);
    publish(alpha, "a", 1);
    publish(alpha, "b", 1);
    publish(alpha, "c", 1);
    rb.run_until_idle();
    // b waits behind its parked delivery to the other subscriber (per-key order).
    CHECK(calls == std::map<std::string, int>{{"a", 1}, {"c", 1}});
    CHECK(flaky.calls == 3);  // a batch with such a handler is isolated from the start
    CHECK(all_seen(beta.db()) == std::vector<Seen>{{"a", 1}, {"c", 1}});
  }
}

namespace {

// An outside subscriber of beta: `call` runs before the transaction (it may fail while `down`),
// the returned step records the thing in beta's database.
struct Outside {
  bool down = false;
  int calls = 0;
  bool lock_free_in_every_call = true;
  std::vector<std::vector<Seen>> seen_at_call;  // what the database held when each call ran
};

// Whether another thread can take `db`'s write lock within a second (it cannot while this
// thread holds it for a transaction).
bool write_lock_free(kernel::Database& db) {
  auto done = std::make_shared<std::promise<void>>();
  auto finished = done->get_future();
  // Detached: while this thread holds the lock, joining would wait for itself. The database
  // outlives the test's bus, and the thread finishes once the lock is released.
  std::thread([&db, done] {
    db.write([](kernel::Connection& c) { c.exec("CREATE TABLE IF NOT EXISTS probe (x)"); });
    done->set_value();
  }).detach();
  return finished.wait_for(1s) == std::future_status::ready;
}

void subscribe_outside(eventbus::ModuleBus& beta, Outside& outside, eventbus::OutsideRetry retry) {
  beta.subscribe_outside<ThingHappened>(
      "beta.outside",
      [&outside](const ThingHappened& e, const eventbus::Envelope&, kernel::Database& db) {
        ++outside.calls;
        outside.seen_at_call.push_back(all_seen(db));
        if (!write_lock_free(db)) outside.lock_free_in_every_call = false;
        if (outside.down) throw std::runtime_error("provider unreachable");
        return eventbus::RawHandler(
            [e](eventbus::HandlerContext& ctx) { record_seen(ctx.tx.db(), e); });
      },
      retry);
}

}  // namespace

TEST_SUITE("eventbus") {
  TEST_CASE("[Bus] an outside subscriber's call runs with no write transaction open") {
    mart::test::RecordingBus rb;
    auto& alpha = rb.host("alpha");
    auto& beta = rb.host("beta");
    create_seen_table(beta.db());
    Outside outside;
    subscribe_outside(beta, outside, {});
    publish(alpha, "a", 1);
    publish(alpha, "b", 1);
    publish(alpha, "a", 2);  // same key: called only once "a" 1 is recorded
    rb.run_until_idle();
    CHECK(outside.calls == 3);
    CHECK(outside.lock_free_in_every_call);
    CHECK(all_seen(beta.db()) == std::vector<Seen>{{"a", 1}, {"b", 1}, {"a", 2}});
    REQUIRE(outside.seen_at_call.size() == 3);
    CHECK(outside.seen_at_call[2] == std::vector<Seen>{{"a", 1}, {"b", 1}});
    rb.run_until_idle();  // handled: never called again
    CHECK(outside.calls == 3);
  }

  TEST_CASE("[Bus] the outside calls of a batch read in one transaction begun after the last") {
    mart::test::TempDir dir;  // files: an in-memory database has no reader connections
    auto db_alpha = mart::test::bus_database("alpha", dir.path());
    auto db_beta = mart::test::bus_database("beta", dir.path());
    create_seen_table(*db_beta);
    eventbus::Bus bus;
    bus.attach("alpha", db_alpha);
    std::vector<bool> in_transaction;
    std::vector<std::vector<Seen>> seen_at_call;
    bus.attach("beta", db_beta)
        .subscribe_outside<ThingHappened>(
            "beta.outside",
            [&](const ThingHappened& e, const eventbus::Envelope&, kernel::Database& db) {
              in_transaction.push_back(db.read([](kernel::Connection& c) {
                return sqlite3_get_autocommit(c.raw().getHandle()) == 0;
              }));
              seen_at_call.push_back(all_seen(db));
              return eventbus::RawHandler(
                  [e](eventbus::HandlerContext& ctx) { record_seen(ctx.tx.db(), e); });
            },
            {});
    auto& alpha = *bus.find("alpha");
    publish(alpha, "a", 1);
    publish(alpha, "b", 1);
    publish(alpha, "a", 2);  // same key: its call waits for the next batch
    bus.run_until_idle();
    CHECK(in_transaction == std::vector<bool>{true, true, true});
    REQUIRE(seen_at_call.size() == 3);
    CHECK(seen_at_call[1].empty());  // the first batch's snapshot
    CHECK(seen_at_call[2] == std::vector<Seen>{{"a", 1}, {"b", 1}});
    CHECK(all_seen(*db_beta) == std::vector<Seen>{{"a", 1}, {"b", 1}, {"a", 2}});
    db_beta->read([](kernel::Connection& c) {  // the pooled connection left no snapshot open
      CHECK(sqlite3_get_autocommit(c.raw().getHandle()) != 0);
    });
  }

  TEST_CASE("[Bus] an outside subscriber rides out a 10-minute outage without a dead letter") {
    mart::test::RecordingBus rb;  // the bus's own policy gives up after 3 attempts
    auto& alpha = rb.host("alpha");
    auto& beta = rb.host("beta");
    create_seen_table(beta.db());
    Outside outside;
    outside.down = true;
    subscribe_outside(beta, outside, {200ms, 60s, 3600s});
    publish(alpha, "a", 1);
    publish(alpha, "a", 2);  // held behind the first of its key
    publish(alpha, "b", 1);
    auto started = rb.clock().now();
    while (rb.clock().now() - started < 10min) {
      rb.run_until_idle();
      CHECK(rb.bus().dead_letters(std::nullopt, 10).empty());
      rb.clock().advance(20s);
    }
    CHECK(all_seen(beta.db()).empty());
    CHECK(outside.calls > 10);   // it kept trying...
    CHECK(outside.calls < 100);  // ...backing off up to a minute (two keys)
    CHECK(outside.lock_free_in_every_call);
    auto timeline = rb.bus().events_for_key("a", {"alpha"}, [](std::string_view) { return true; });
    REQUIRE(timeline.size() == 2);
    REQUIRE(timeline[0].waiting.size() == 1);
    CHECK(timeline[0].waiting[0].status == "pending");
    CHECK(timeline[0].waiting[0].last_error.find("provider unreachable") != std::string::npos);
    auto waiting = beta.waiting();
    REQUIRE(waiting.size() == 1);
    CHECK(waiting[0].pending == 2);

    outside.down = false;
    rb.clock().advance(61s);
    rb.run_until_idle();
    rb.clock().advance(61s);
    rb.run_until_idle();
    auto seen = all_seen(beta.db());
    CHECK(seen.size() == 3);
    CHECK(std::find(seen.begin(), seen.end(), Seen{"a", 1}) <
          std::find(seen.begin(), seen.end(), Seen{"a", 2}));
    CHECK(rb.bus().dead_letters(std::nullopt, 10).empty());
    CHECK(rb.bus().status().at(1).retrying == 0);
  }

  TEST_CASE("[Bus] an outside subscriber gives up after its retry time, not a count") {
    mart::test::RecordingBus rb;
    auto& alpha = rb.host("alpha");
    auto& beta = rb.host("beta");
    create_seen_table(beta.db());
    Outside outside;
    outside.down = true;
    subscribe_outside(beta, outside, {1s, 10s, 120s});
    publish(alpha, "a", 1);
    // Waits behind "a" 1; once that one gives up, it gets its own retry time from its first
    // failure (not a dead letter at once for having waited so long).
    publish(alpha, "a", 2);
    rb.run_until_idle();
    for (int i = 0; i < 11; ++i) {  // 110 s: still waiting, more than 3 attempts made
      rb.clock().advance(10s);
      rb.run_until_idle();
    }
    CHECK(outside.calls > 3);
    CHECK(rb.bus().dead_letters(std::nullopt, 10).empty());
    rb.clock().advance(20s);
    rb.run_until_idle();
    auto dead = rb.bus().dead_letters(std::nullopt, 10);
    REQUIRE(dead.size() == 1);
    CHECK(dead[0].subscriber == "beta.outside");
    CHECK(dead[0].event.payload.find("\"n\":1") != std::string::npos);
    CHECK(rb.bus().status().at(1).retrying == 1);  // "a" 2, failed once, waiting

    outside.down = false;  // a replay makes the call again and records it
    CHECK(rb.bus().replay(dead[0].id).result == eventbus::Bus::ReplayOutcome::Result::delivered);
    rb.clock().advance(10s);
    rb.run_until_idle();
    CHECK(all_seen(beta.db()) == std::vector<Seen>{{"a", 1}, {"a", 2}});
  }
}
