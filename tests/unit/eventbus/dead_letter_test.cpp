// An operator's view of failed deliveries: the history of every failed attempt, discarding a dead
// letter with a reason, the audit of replays and discards, and their retention.

#include "test_events.hpp"

#include "recording_bus.hpp"

#include <kernel/migrations.hpp>
#include <migrations/embedded.hpp>

#include <doctest/doctest.h>

#include <set>

using namespace bus_test;
using namespace std::chrono_literals;

namespace {

// `module`'s subscriber fails on every event whose thing is in `failing` (for the first `times`
// failures of it, forever when negative) and records the others.
struct Failing {
  std::map<std::pair<std::string, std::int64_t>, int> failing;
  std::map<std::pair<std::string, std::int64_t>, int> calls;
};

void subscribe_failing(eventbus::ModuleBus& module, Failing& f) {
  create_seen_table(module.db());
  module.subscribe<ThingHappened>(
      module.module() + ".on_thing_happened",
      [&f](const ThingHappened& e, eventbus::HandlerContext& ctx) {
        ++f.calls[{e.thing, e.n}];
        auto it = f.failing.find({e.thing, e.n});
        if (it != f.failing.end() && it->second != 0) {
          if (it->second > 0) --it->second;
          throw std::runtime_error("refused " + e.thing + " " + std::to_string(e.n));
        }
        record_seen(ctx.tx.db(), e);
      });
}

// Runs retries until `thing` `n` is a dead letter (the test bus gives up after 3 attempts).
void run_retries(mart::test::RecordingBus& rb) {
  for (int i = 0; i < 4; ++i) {
    rb.run_until_idle();
    rb.clock().advance(1s);
  }
  rb.run_until_idle();
}

std::int64_t count(kernel::Database& db, const char* sql) {
  return db.read([&](kernel::Connection& c) {
    SQLite::Statement q(c.raw(), sql);
    q.executeStep();
    return q.getColumn(0).getInt64();
  });
}

const eventbus::TimelineEntry& entry_for(const std::vector<eventbus::TimelineEntry>& timeline,
                                         std::int64_t n) {
  for (const auto& e : timeline) {
    if (e.event.payload.find("\"n\":" + std::to_string(n)) != std::string::npos) return e;
  }
  throw std::logic_error("no such event in the timeline");
}

auto all_types = [](std::string_view) { return true; };

}  // namespace

TEST_SUITE("eventbus") {
  TEST_CASE("[Bus] every failed attempt is recorded, and kept after the delivery heals") {
    mart::test::RecordingBus rb;
    auto& alpha = rb.host("alpha");
    auto& beta = rb.host("beta");
    Failing f;
    f.failing[{"a", 1}] = 2;
    subscribe_failing(beta, f);
    auto started = kernel::to_unix_millis(rb.clock().now());
    publish(alpha, "a", 1);
    publish(alpha, "b", 1);
    rb.run_until_idle();

    auto pending = rb.bus().dead_letters(std::nullopt, 10, eventbus::ParkedStatus::pending);
    REQUIRE(pending.size() == 1);
    REQUIRE(pending[0].history.size() == 1);
    CHECK(pending[0].history[0].attempt == 1);
    CHECK(pending[0].history[0].at_ms == started);
    CHECK(pending[0].history[0].error == "refused a 1");
    auto timeline = rb.bus().events_for_key("a", {"alpha"}, all_types);
    REQUIRE(timeline.size() == 1);
    CHECK(timeline[0].handled_by.empty());
    REQUIRE(timeline[0].waiting.size() == 1);
    CHECK(timeline[0].waiting[0].status == "pending");
    CHECK(timeline[0].waiting[0].history.size() == 1);

    rb.clock().advance(100ms);
    rb.run_until_idle();  // fails again
    rb.clock().advance(200ms);
    rb.run_until_idle();  // heals
    CHECK(all_seen(beta.db()) == std::vector<Seen>{{"b", 1}, {"a", 1}});
    CHECK(rb.bus().dead_letters(std::nullopt, 10, eventbus::ParkedStatus::pending).empty());

    timeline = rb.bus().events_for_key("a", {"alpha"}, all_types);
    REQUIRE(timeline.size() == 1);
    CHECK(timeline[0].waiting.empty());
    REQUIRE(timeline[0].handled_by.size() == 1);
    const auto& handled = timeline[0].handled_by[0];
    CHECK(handled.subscriber == "beta.on_thing_happened");
    CHECK(handled.handled_ms == started + 300);
    REQUIRE(handled.failures.size() == 2);
    CHECK(handled.failures[0].attempt == 1);
    CHECK(handled.failures[1].attempt == 2);
    CHECK(handled.failures[1].at_ms == started + 100);
    CHECK(handled.failures[1].error == "refused a 1");
    // A delivery that never failed has no history: the success path writes none.
    auto other = rb.bus().events_for_key("b", {"alpha"}, all_types);
    REQUIRE(other.size() == 1);
    REQUIRE(other[0].handled_by.size() == 1);
    CHECK(other[0].handled_by[0].failures.empty());
    CHECK(count(beta.db(), "SELECT COUNT(*) FROM bus_attempts") == 2);
  }

  TEST_CASE("[Bus] a dead letter's history counts on across replays and keeps the last 50") {
    mart::test::RecordingBus rb;
    auto& alpha = rb.host("alpha");
    auto& beta = rb.host("beta");
    Failing f;
    f.failing[{"a", 1}] = -1;
    subscribe_failing(beta, f);
    publish(alpha, "a", 1);
    run_retries(rb);
    auto dead = rb.bus().dead_letters(std::nullopt, 10);
    REQUIRE(dead.size() == 1);
    REQUIRE(dead[0].history.size() == 3);
    CHECK(dead[0].history[2].attempt == 3);

    // Each replay fails once more and the retries fail twice more: 3 attempts a round.
    for (int round = 0; round < 17; ++round) {
      auto outcome = rb.bus().replay(dead[0].id);
      REQUIRE(outcome.result == eventbus::Bus::ReplayOutcome::Result::failed_again);
      REQUIRE(outcome.entry);
      CHECK(outcome.entry->attempts == 1);                            // the retry count restarts...
      CHECK(outcome.entry->history.back().attempt == 3 * round + 4);  // ...the history does not
      run_retries(rb);
    }
    dead = rb.bus().dead_letters(std::nullopt, 10);
    REQUIRE(dead.size() == 1);
    CHECK(f.calls[{"a", 1}] == 54);
    REQUIRE(dead[0].history.size() == eventbus::kAttemptsKept);
    CHECK(dead[0].history.front().attempt == 5);
    CHECK(dead[0].history.back().attempt == 54);
    CHECK(count(beta.db(), "SELECT COUNT(*) FROM bus_attempts") == eventbus::kAttemptsKept);
  }

  TEST_CASE("[Bus] a discarded dead letter is never handed to its subscriber again") {
    mart::test::RecordingBus rb;
    auto& alpha = rb.host("alpha");
    auto& beta = rb.host("beta");
    Failing f;
    f.failing[{"p", 1}] = -1;
    f.failing[{"q", 1}] = 1;
    subscribe_failing(beta, f);
    publish(alpha, "p", 1);
    publish(alpha, "p", 2);  // waits behind p 1 while it is retried
    rb.run_until_idle();
    CHECK(all_seen(beta.db()).empty());
    run_retries(rb);
    // A dead letter holds back nothing: p 2 went on once p 1 gave up.
    CHECK(all_seen(beta.db()) == std::vector<Seen>{{"p", 2}});
    auto dead = rb.bus().dead_letters(std::nullopt, 10);
    REQUIRE(dead.size() == 1);
    auto id = dead[0].id;

    auto outcome = rb.bus().discard(id, "bad data from a test", {42});
    CHECK(outcome.result == eventbus::Bus::DiscardOutcome::Result::discarded);
    CHECK(outcome.entry.id == id);
    CHECK(outcome.entry.status == "discarded");
    CHECK(outcome.entry.history.size() == 3);
    CHECK(rb.bus().dead_letters(std::nullopt, 10).empty());
    CHECK(rb.bus().status().at(1).dead_letters == 0);
    CHECK(beta.waiting().empty());
    auto discarded = rb.bus().dead_letters(std::nullopt, 10, eventbus::ParkedStatus::discarded);
    REQUIRE(discarded.size() == 1);
    CHECK(discarded[0].id == id);

    // Later events of the key flow on; p 1 itself is never tried again.
    publish(alpha, "p", 3);
    for (int i = 0; i < 5; ++i) {
      rb.clock().advance(10s);
      rb.run_until_idle();
    }
    CHECK(f.calls[{"p", 1}] == 3);
    CHECK(all_seen(beta.db()) == std::vector<Seen>{{"p", 2}, {"p", 3}});
    auto timeline = rb.bus().events_for_key("p", {"alpha"}, all_types);
    const auto& p1 = entry_for(timeline, 1);
    CHECK(p1.handled_by.empty());
    REQUIRE(p1.waiting.size() == 1);
    CHECK(p1.waiting[0].status == "discarded");
    CHECK(p1.waiting[0].history.size() == 3);

    SUBCASE("neither replayed nor discarded again") {
      auto replay = rb.bus().replay(id);
      CHECK(replay.result == eventbus::Bus::ReplayOutcome::Result::not_dead);
      auto again = rb.bus().discard(id, "twice", {42});
      CHECK(again.result == eventbus::Bus::DiscardOutcome::Result::not_dead);
      CHECK(again.entry.status == "discarded");
      CHECK(f.calls[{"p", 1}] == 3);
    }
    SUBCASE("the inbox keeps it out should the event be read again") {
      // As a consumer group moved back in time would: beta reads alpha's outbox from the start.
      // (A consumer keeps its position in memory: a second bus over the same databases starts
      // from the saved one, now absent.)
      beta.db().write([](kernel::Connection& c) { c.exec("DELETE FROM bus_positions"); });
      eventbus::BusOptions options;
      options.clock = &rb.clock();
      eventbus::Bus again(options);
      again.attach("alpha", alpha.db_handle());
      auto& beta2 = again.attach("beta", beta.db_handle());
      Failing g;
      beta2.subscribe<ThingHappened>("beta.on_thing_happened",
                                     [&g](const ThingHappened& e, eventbus::HandlerContext&) {
                                       ++g.calls[{e.thing, e.n}];
                                     });
      CHECK(again.run_until_idle() == 3);  // read all three again...
      CHECK(g.calls.empty());              // ...and handed none of them over
    }
    SUBCASE("a delivery still being retried cannot be discarded") {
      publish(alpha, "q", 1);
      rb.run_until_idle();
      auto pending = rb.bus().dead_letters(std::nullopt, 10, eventbus::ParkedStatus::pending);
      REQUIRE(pending.size() == 1);
      auto refused = rb.bus().discard(pending[0].id, "too early", {42});
      CHECK(refused.result == eventbus::Bus::DiscardOutcome::Result::not_dead);
      CHECK(refused.entry.status == "pending");
      rb.clock().advance(1s);
      rb.run_until_idle();
      CHECK(f.calls[{"q", 1}] == 2);  // retried and handled, as if nobody had asked
    }
    SUBCASE("an unknown id is refused") {
      CHECK_THROWS_AS(rb.bus().discard(id + 16 * 1000, "x", {}), std::out_of_range);
      CHECK_THROWS_AS(rb.bus().discard(0, "x", {}), std::out_of_range);
    }
  }

  TEST_CASE("[Bus] replays and discards are audited, newest first across modules, by cursor") {
    mart::test::RecordingBus rb;
    auto& alpha = rb.host("alpha");
    auto& beta = rb.host("beta");
    auto& gamma = rb.host("gamma");
    Failing fb;
    Failing fg;
    fb.failing[{"a", 1}] = -1;
    fg.failing[{"a", 1}] = -1;
    fg.failing[{"b", 1}] = -1;
    subscribe_failing(beta, fb);
    subscribe_failing(gamma, fg);
    publish(alpha, "a", 1);
    publish(alpha, "b", 1);
    run_retries(rb);
    auto dead = rb.bus().dead_letters(std::nullopt, 10);
    REQUIRE(dead.size() == 3);
    std::map<std::pair<std::string, std::string>, std::int64_t> id_of;  // module, key
    std::map<std::string, std::string> event_of;                        // key -> event id
    for (const auto& d : dead) {
      id_of[{d.module, d.event.key}] = d.id;
      event_of[d.event.key] = d.event.id;
    }

    auto t0 = kernel::to_unix_millis(rb.clock().now());
    // beta's a: replayed, fails again (by user 7).
    CHECK(rb.bus().replay(id_of[{"beta", "a"}], {7}).result ==
          eventbus::Bus::ReplayOutcome::Result::failed_again);
    rb.clock().advance(1s);
    // gamma's a: discarded (by user 8).
    CHECK(rb.bus().discard(id_of[{"gamma", "a"}], "duplicate order", {8}).result ==
          eventbus::Bus::DiscardOutcome::Result::discarded);
    rb.clock().advance(1s);
    // gamma's b: fixed and replayed from the command line (no user).
    fg.failing.erase({"b", 1});
    CHECK(rb.bus().replay(id_of[{"gamma", "b"}]).result ==
          eventbus::Bus::ReplayOutcome::Result::delivered);
    CHECK(rb.bus().replay(id_of[{"gamma", "a"}], {9}).result ==
          eventbus::Bus::ReplayOutcome::Result::not_dead);  // refused: no audit row

    auto audit = rb.bus().audit(std::nullopt, 10);
    REQUIRE(audit.size() == 3);
    CHECK(audit[0].action == "replay");
    CHECK(audit[0].module == "gamma");
    CHECK(audit[0].dead_letter_id == id_of[{"gamma", "b"}]);
    CHECK(audit[0].outcome == "delivered");
    CHECK_FALSE(audit[0].actor_user_id);
    CHECK_FALSE(audit[0].reason);
    CHECK(audit[0].at_ms == t0 + 2000);
    CHECK(audit[1].action == "discard");
    CHECK(audit[1].module == "gamma");
    CHECK(audit[1].subscriber == "gamma.on_thing_happened");
    CHECK(audit[1].event_type == "alpha.thing_happened.v1");
    CHECK(audit[1].event_id == event_of["a"]);
    CHECK(audit[1].actor_user_id == 8);
    CHECK(audit[1].reason == "duplicate order");
    CHECK(audit[1].outcome == "discarded");
    CHECK(audit[2].action == "replay");
    CHECK(audit[2].module == "beta");
    CHECK(audit[2].actor_user_id == 7);
    CHECK(audit[2].outcome == "retrying");
    CHECK(audit[2].at_ms == t0);
    std::set<std::int64_t> ids{audit[0].id, audit[1].id, audit[2].id};
    CHECK(ids.size() == 3);

    SUBCASE("entries of one millisecond page without gaps or repeats") {
      fb.failing[{"c", 1}] = -1;
      fg.failing[{"c", 1}] = -1;
      publish(alpha, "c", 1);
      run_retries(rb);  // beta's a is dead again, and both c's are
      dead = rb.bus().dead_letters(std::nullopt, 10);
      REQUIRE(dead.size() == 3);
      for (const auto& d : dead) {  // in one millisecond, in two modules
        CHECK(rb.bus().discard(d.id, "gave up", {7}).result ==
              eventbus::Bus::DiscardOutcome::Result::discarded);
      }
      audit = rb.bus().audit(std::nullopt, 10);
      REQUIRE(audit.size() == 6);
      for (std::size_t i = 1; i < audit.size(); ++i) {
        CHECK((audit[i - 1].at_ms > audit[i].at_ms ||
               (audit[i - 1].at_ms == audit[i].at_ms && audit[i - 1].id > audit[i].id)));
      }
      CHECK(audit[0].at_ms == audit[2].at_ms);
      std::vector<std::int64_t> paged;
      std::optional<std::int64_t> cursor;
      for (;;) {
        auto page = rb.bus().audit(cursor, 1);
        if (page.empty()) break;
        REQUIRE(page.size() == 1);
        paged.push_back(page[0].id);
        cursor = eventbus::audit_position(page[0]);
      }
      std::vector<std::int64_t> all;
      for (const auto& a : audit) all.push_back(a.id);
      CHECK(paged == all);
    }
    SUBCASE("a position needs no entry of this process: paging goes on by time") {
      // A split deployment's cursor may come from another process's entry.
      auto between = eventbus::audit_position(t0 + 1500, 5 * 16 + 15);
      auto older = rb.bus().audit(between, 10);
      REQUIRE(older.size() == 2);
      CHECK(older[0].id == audit[1].id);
      CHECK(older[1].id == audit[2].id);
      CHECK(rb.bus().audit(eventbus::audit_position(t0, 0), 10).empty());
    }
  }

  TEST_CASE("[Bus] retention prunes healed and discarded histories, never a waiting one's") {
    mart::test::RecordingBus rb;  // retention 168 hours
    auto& alpha = rb.host("alpha");
    auto& beta = rb.host("beta");
    Failing f;
    f.failing[{"healed", 1}] = 1;
    f.failing[{"dead", 1}] = -1;
    f.failing[{"discarded", 1}] = -1;
    subscribe_failing(beta, f);
    publish(alpha, "healed", 1);
    publish(alpha, "dead", 1);
    publish(alpha, "discarded", 1);
    run_retries(rb);
    auto dead = rb.bus().dead_letters(std::nullopt, 10);
    REQUIRE(dead.size() == 2);
    for (const auto& d : dead) {
      if (d.event.key == "discarded") rb.bus().discard(d.id, "not needed", {1});
    }
    CHECK(count(beta.db(), "SELECT COUNT(*) FROM bus_attempts") == 7);

    auto pruned = rb.bus().prune_now();
    CHECK(pruned.attempt_rows == 0);  // within the retention
    CHECK(pruned.discarded_rows == 0);

    rb.clock().advance(169h);
    pruned = rb.bus().prune_now();
    CHECK(pruned.discarded_rows == 1);
    CHECK(pruned.attempt_rows == 4);  // healed's one, discarded's three
    CHECK(rb.bus().dead_letters(std::nullopt, 10, eventbus::ParkedStatus::discarded).empty());
    dead = rb.bus().dead_letters(std::nullopt, 10);
    REQUIRE(dead.size() == 1);
    CHECK(dead[0].event.key == "dead");
    CHECK(dead[0].history.size() == 3);  // it still waits for an operator
    CHECK(count(beta.db(), "SELECT COUNT(*) FROM bus_attempts") == 3);
    CHECK(rb.bus().audit(std::nullopt, 10).size() == 1);  // the audit stays
  }

  TEST_CASE("[Bus] migration 0007 keeps parked entries and never reuses their ids") {
    auto db = kernel::Database::open_in_memory("beta");
    auto all = mart::migrations::for_scope("eventbus");
    std::vector<kernel::Migration> before;
    for (const auto& m : all) {
      if (m.version < 7) before.push_back(m);
    }
    kernel::apply_migrations(*db, "eventbus", before);
    db->write([](kernel::Connection& c) {
      c.exec(
          "INSERT INTO bus_parked(subscriber, aggregate_key, event_id, event_type, source, "
          "envelope, status, attempts, parked_ms, updated_ms) VALUES "
          "('s', 'k', 'e1', 't', 'alpha', '{}', 'dead', 3, 1, 1), "
          "('s', 'k', 'e2', 't', 'alpha', '{}', 'pending', 1, 1, 1), "
          "('s', 'k', 'e3', 't', 'alpha', '{}', 'dead', 3, 1, 1)");
      c.exec("DELETE FROM bus_parked WHERE event_id = 'e3'");  // replayed: id 3 is used up
    });
    CHECK(kernel::apply_migrations(*db, "eventbus", all) == 1);
    CHECK(count(*db, "SELECT COUNT(*) FROM bus_parked") == 2);
    CHECK(count(*db, "SELECT id FROM bus_parked WHERE event_id = 'e2'") == 2);
    db->write([](kernel::Connection& c) {
      c.exec(
          "INSERT INTO bus_parked(subscriber, aggregate_key, event_id, event_type, source, "
          "envelope, status, attempts, parked_ms, updated_ms) VALUES "
          "('s', 'k', 'e4', 't', 'alpha', '{}', 'discarded', 3, 1, 1)");
    });
    CHECK(count(*db, "SELECT id FROM bus_parked WHERE event_id = 'e4'") == 4);
  }
}
