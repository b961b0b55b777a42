#include "test_events.hpp"

#include "bus_database.hpp"
#include "recording_bus.hpp"

#include <kernel/migrations.hpp>
#include <migrations/embedded.hpp>

#include <doctest/doctest.h>

#include <atomic>
#include <map>
#include <thread>

using namespace bus_test;
using mart::test::bus_database;

namespace {

// A type of alpha's that beta does not subscribe to.
struct ThingIgnored {
  static constexpr std::string_view kType = "alpha.thing_ignored.v1";
  static constexpr std::string_view kTopic = "AlphaEvents";
  std::string thing;
  std::string key() const { return thing; }
};
BOOST_DESCRIBE_STRUCT(ThingIgnored, (), (thing))

// Delivery over `alpha` and `beta` as a (re)started process would build it: beta records every
// ThingHappened and counts its handler's calls in `calls` (when given).
std::unique_ptr<eventbus::Bus> relay_over(const std::shared_ptr<kernel::Database>& alpha,
                                          const std::shared_ptr<kernel::Database>& beta,
                                          int* calls = nullptr, eventbus::BusOptions options = {}) {
  auto bus = std::make_unique<eventbus::Bus>(options);
  bus->attach("alpha", alpha);
  bus->attach("beta", beta)
      .subscribe<ThingHappened>("beta.on_thing_happened",
                                [calls](const ThingHappened& e, eventbus::HandlerContext& ctx) {
                                  if (calls) ++*calls;
                                  record_seen(ctx.tx.db(), e);
                                });
  return bus;
}

std::vector<std::int64_t> seqs(kernel::Database& db) {
  return db.read([](kernel::Connection& c) {
    std::vector<std::int64_t> out;
    SQLite::Statement q(c.raw(), "SELECT seq FROM bus_outbox ORDER BY seq");
    while (q.executeStep()) out.push_back(q.getColumn(0).getInt64());
    return out;
  });
}

std::int64_t count(kernel::Database& db, const char* sql) {
  return db.read([&](kernel::Connection& c) {
    SQLite::Statement q(c.raw(), sql);
    q.executeStep();
    return q.getColumn(0).getInt64();
  });
}

}  // namespace

TEST_SUITE("eventbus") {
  TEST_CASE(
      "[Bus] an event committed with its state change reaches a subscriber of another module") {
    mart::test::RecordingBus rb;
    auto& alpha = rb.host("alpha");
    auto& beta = rb.host("beta");
    create_seen_table(beta.db());
    beta.subscribe<ThingHappened>(
        "beta.on_thing_happened",
        [](const ThingHappened& e, eventbus::HandlerContext& ctx) { record_seen(ctx.tx.db(), e); });
    publish(alpha, "a", 1);
    CHECK(all_seen(beta.db()).empty());  // nothing happens before delivery runs
    CHECK(rb.run_until_idle() >= 1);
    CHECK(all_seen(beta.db()) == std::vector<Seen>{{"a", 1}});
  }

  TEST_CASE("[Bus] a rolled-back transaction publishes nothing") {
    mart::test::RecordingBus rb;
    auto& alpha = rb.host("alpha");
    auto& beta = rb.host("beta");
    create_seen_table(beta.db());
    beta.subscribe<ThingHappened>(
        "beta.on_thing_happened",
        [](const ThingHappened& e, eventbus::HandlerContext& ctx) { record_seen(ctx.tx.db(), e); });
    CHECK_THROWS(alpha.transact({"c", ""}, [](eventbus::Tx& tx) {
      tx.publish(ThingHappened{"a", 1});
      throw std::runtime_error("business rule says no");
    }));
    rb.run_until_idle();
    CHECK(all_seen(beta.db()).empty());
    CHECK(rb.envelopes("alpha").empty());
  }

  TEST_CASE("[Bus] events of one key are handled in publication order, across batches") {
    eventbus::BusOptions options;
    options.batch_size = 7;  // many small batches
    eventbus::Bus bus(options);
    auto db_alpha = bus_database("alpha");
    auto db_beta = bus_database("beta");
    auto& alpha = bus.attach("alpha", db_alpha);
    auto& beta = bus.attach("beta", db_beta);
    create_seen_table(*db_beta);
    beta.subscribe<ThingHappened>(
        "beta.on_thing_happened",
        [](const ThingHappened& e, eventbus::HandlerContext& ctx) { record_seen(ctx.tx.db(), e); });
    const std::vector<std::string> keys = {"k1", "k2", "k3", "k4", "k5"};
    for (int n = 0; n < 100; ++n)
      publish(alpha, keys[static_cast<std::size_t>(n) % keys.size()], n);
    bus.run_until_idle();
    auto seen = all_seen(*db_beta);
    REQUIRE(seen.size() == 100);
    std::map<std::string, std::int64_t> last;
    for (const auto& s : seen) {
      if (last.count(s.thing)) CHECK(s.n > last[s.thing]);
      last[s.thing] = s.n;
    }
  }

  TEST_CASE("[Bus] a redelivered event changes nothing") {
    auto db_alpha = bus_database("alpha");
    auto db_beta = bus_database("beta");
    create_seen_table(*db_beta);
    int calls = 0;
    // A relay over the same databases, as a restarted process would build it.
    auto relay = [&] { return relay_over(db_alpha, db_beta, &calls); };
    auto first = relay();
    for (int n = 1; n <= 5; ++n) publish(*first->find("alpha"), "a", n);
    first->run_until_idle();
    REQUIRE(all_seen(*db_beta).size() == 5);
    REQUIRE(calls == 5);

    // Forget the read position, as if it had never been saved: the relay re-reads everything.
    db_beta->write([](kernel::Connection& c) { c.exec("DELETE FROM bus_positions"); });
    auto second = relay();
    CHECK(second->run_until_idle() == 5);   // all five read again...
    CHECK(all_seen(*db_beta).size() == 5);  // ...and none handled twice
    CHECK(calls == 5);
  }

  TEST_CASE("[Bus] a handler's events carry the correlation id and name their cause") {
    mart::test::RecordingBus rb;
    auto& alpha = rb.host("alpha");
    auto& beta = rb.host("beta");
    beta.subscribe<ThingHappened>("beta.on_thing_happened",
                                  [](const ThingHappened& e, eventbus::HandlerContext& ctx) {
                                    ctx.tx.publish(ThingSeen{e.thing, e.n});
                                  });
    publish(alpha, "a", 1, "order-flow-42");
    rb.run_until_idle();
    auto cause = rb.envelopes("alpha");
    auto effect = rb.envelopes("beta");
    REQUIRE(cause.size() == 1);
    REQUIRE(effect.size() == 1);
    CHECK(effect[0].type == "beta.thing_seen.v1");
    CHECK(effect[0].topic == "BetaEvents");
    CHECK(effect[0].key == "a");
    CHECK(effect[0].correlation_id == "order-flow-42");
    CHECK(effect[0].causation_id == cause[0].id);
    CHECK(rb.published<ThingSeen>("beta").at(0).n == 1);
  }

  TEST_CASE("[Bus] the delivered position passes a row once every subscriber committed it") {
    mart::test::RecordingBus rb;
    auto& alpha = rb.host("alpha");
    auto& beta = rb.host("beta");
    auto& gamma = rb.host("gamma");
    beta.subscribe<ThingHappened>("beta.on_thing", [](const auto&, auto&) {});
    gamma.subscribe<ThingHappened>("gamma.on_thing", [](const auto&, auto&) {});
    publish(alpha, "a", 1);
    auto undelivered = [&] {
      return alpha.db().read([](kernel::Connection& c) {
        SQLite::Statement q(c.raw(),
                            "SELECT COUNT(*) FROM bus_outbox "
                            "WHERE seq > (SELECT seq FROM bus_delivered WHERE id = 1)");
        q.executeStep();
        return q.getColumn(0).getInt();
      });
    };
    CHECK(undelivered() == 1);
    rb.run_until_idle();
    CHECK(undelivered() == 0);
    for (const auto& s : rb.bus().status()) {
      CHECK(s.outbox_waiting == 0);
      CHECK(s.dead_letters == 0);
    }
  }

  TEST_CASE("[Bus] the delivery threads deliver everything published concurrently, in key order") {
    eventbus::Bus bus;
    auto db_alpha = bus_database("alpha");
    auto db_beta = bus_database("beta");
    auto& alpha = bus.attach("alpha", db_alpha);
    auto& beta = bus.attach("beta", db_beta);
    create_seen_table(*db_beta);
    std::atomic<int> handled{0};
    beta.subscribe<ThingHappened>("beta.on_thing_happened",
                                  [&](const ThingHappened& e, eventbus::HandlerContext& ctx) {
                                    record_seen(ctx.tx.db(), e);
                                    ++handled;
                                  });
    bus.start();
    std::vector<std::thread> writers;
    for (int t = 0; t < 2; ++t) {
      writers.emplace_back([&, t] {
        for (int n = 0; n < 500; ++n) publish(alpha, "writer" + std::to_string(t), n);
      });
    }
    for (auto& w : writers) w.join();
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (handled.load() < 1000 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    bus.stop();
    auto seen = all_seen(*db_beta);
    REQUIRE(seen.size() == 1000);
    std::map<std::string, std::int64_t> last;
    for (const auto& s : seen) {
      if (last.count(s.thing)) CHECK(s.n == last[s.thing] + 1);
      last[s.thing] = s.n;
    }
  }

  TEST_CASE("[Bus] events decode tolerantly: unknown fields ignored, missing ones default") {
    mart::test::RecordingBus rb;
    auto& alpha = rb.host("alpha");
    auto& beta = rb.host("beta");
    create_seen_table(beta.db());
    beta.subscribe<ThingHappened>(
        "beta.on_thing_happened",
        [](const ThingHappened& e, eventbus::HandlerContext& ctx) { record_seen(ctx.tx.db(), e); });
    alpha.transact({"c", ""}, [](eventbus::Tx& tx) {
      tx.append(ThingHappened::kType, ThingHappened::kTopic, "a",
                R"({"thing":"a","n":7,"added_in_v1_1":true})");
      tx.append(ThingHappened::kType, ThingHappened::kTopic, "b", R"({"thing":"b"})");
    });
    rb.run_until_idle();
    CHECK(all_seen(beta.db()) == std::vector<Seen>{{"a", 7}, {"b", 0}});
  }

  TEST_CASE("[Bus] a module can only publish types that carry its own name") {
    mart::test::RecordingBus rb;
    auto& beta = rb.host("beta");
    CHECK_THROWS_AS(beta.transact({"c", ""},
                                  [](eventbus::Tx& tx) {
                                    tx.publish(ThingHappened{"x", 1});
                                  }),
                    std::logic_error);
  }

  TEST_CASE(
      "[Bus] a slow subscriber holds its module's write lock for one time budget, not a batch") {
    eventbus::BusOptions options;
    options.batch_time_budget = std::chrono::milliseconds(30);
    eventbus::Bus bus(options);
    auto db_alpha = bus_database("alpha");
    auto db_beta = bus_database("beta");
    auto& alpha = bus.attach("alpha", db_alpha);
    auto& beta = bus.attach("beta", db_beta);
    beta.subscribe<ThingHappened>("beta.on_thing_happened", [](const auto&, auto&) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    });
    for (int n = 0; n < 40; ++n) publish(alpha, "k", n);
    auto start = std::chrono::steady_clock::now();
    auto first = bus.run_until_idle();
    (void)first;
    // All 40 were handled (400 ms of handler time) in several commits, each about 30-40 ms.
    CHECK(std::chrono::steady_clock::now() - start >= std::chrono::milliseconds(400));
    auto positions_saved = db_beta->read([](kernel::Connection& c) {
      SQLite::Statement q(c.raw(), "SELECT seq FROM bus_positions WHERE source = 'alpha'");
      q.executeStep();
      return q.getColumn(0).getInt64();
    });
    CHECK(positions_saved == 40);
  }

  TEST_CASE("[Bus] rows of types nobody here handles are passed over, and count as delivered") {
    auto db_alpha = bus_database("alpha");
    auto db_beta = bus_database("beta");
    create_seen_table(*db_beta);
    int calls = 0;
    eventbus::BusOptions options;
    options.batch_size = 3;  // batches of only ignored rows, mixed ones, and trailing ignored
    auto relay = [&] { return relay_over(db_alpha, db_beta, &calls, options); };
    auto ignore = [&](eventbus::ModuleBus& alpha, int count) {
      for (int i = 0; i < count; ++i) {
        alpha.transact({"c", ""}, [](eventbus::Tx& tx) { tx.publish(ThingIgnored{"a"}); });
      }
    };
    auto first = relay();
    auto& alpha = *first->find("alpha");
    ignore(alpha, 4);
    publish(alpha, "a", 1);
    ignore(alpha, 1);
    publish(alpha, "a", 2);
    publish(alpha, "b", 3);
    ignore(alpha, 5);
    first->run_until_idle();
    CHECK(all_seen(*db_beta) == std::vector<Seen>{{"a", 1}, {"a", 2}, {"b", 3}});
    CHECK(calls == 3);
    for (const auto& s : first->status()) {
      CAPTURE(s.module);
      CHECK(s.outbox_waiting == 0);  // the trailing ignored rows too
    }
    // Nothing beta handled is handled again by a restarted relay, and nothing new is missed.
    auto second = relay();
    publish(*second->find("alpha"), "c", 4);
    second->run_until_idle();
    CHECK(all_seen(*db_beta).size() == 4);
    CHECK(calls == 4);
  }

  TEST_CASE("[Bus] a long run of rows nobody here handles moves the saved position on") {
    auto db_alpha = bus_database("alpha");
    auto db_beta = bus_database("beta");
    create_seen_table(*db_beta);
    eventbus::BusOptions options;
    options.batch_size = 3;  // several batches' worth of rows is a few dozen here
    auto bus = relay_over(db_alpha, db_beta, nullptr, options);
    for (int i = 0; i < 30; ++i) {
      bus->find("alpha")->transact({"c", ""},
                                   [](eventbus::Tx& tx) { tx.publish(ThingIgnored{"a"}); });
    }
    bus->run_until_idle();
    auto saved = db_beta->read([](kernel::Connection& c) {
      SQLite::Statement q(c.raw(), "SELECT seq FROM bus_positions WHERE source = 'alpha'");
      return q.executeStep() ? q.getColumn(0).getInt64() : std::int64_t{0};
    });
    // Saved without any handled event, so a restart does not pass over all 30 again.
    CHECK(saved >= 24);
    CHECK(saved <= 30);
  }

  TEST_CASE("[Bus] the outbox rebuilt by migrations 0005 and 0006 keeps its events and order") {
    // A database as an earlier release left it: the eventbus migrations before 0005, three
    // events stamped delivered_ms (that release's delivered marking) and a fourth not yet.
    auto all = mart::migrations::for_scope("eventbus");
    std::vector<kernel::Migration> before;
    for (const auto& m : all) {
      if (m.version < 5) before.push_back(m);
    }
    REQUIRE(before.size() < all.size());
    auto db_alpha = kernel::Database::open_in_memory("alpha");
    kernel::apply_migrations(*db_alpha, "eventbus", before);
    auto db_beta = bus_database("beta");
    create_seen_table(*db_beta);
    auto relay = [&] { return relay_over(db_alpha, db_beta); };
    auto first = relay();
    for (int n = 1; n <= 4; ++n) publish(*first->find("alpha"), "a", n);
    first.reset();
    db_alpha->write([](kernel::Connection& c) {
      c.exec("UPDATE bus_outbox SET delivered_ms = 1700000000000 WHERE seq <= 3");
    });

    kernel::apply_migrations(*db_alpha, "eventbus", all);
    auto delivered = [&] {
      return db_alpha->read([](kernel::Connection& c) {
        SQLite::Statement q(c.raw(), "SELECT seq FROM bus_delivered WHERE id = 1");
        q.executeStep();
        return q.getColumn(0).getInt64();
      });
    };
    CHECK(delivered() == 3);  // the stamps became the delivered position
    auto second = relay();
    publish(*second->find("alpha"), "a", 5);
    second->run_until_idle();
    CHECK(all_seen(*db_beta) ==
          std::vector<Seen>{{"a", 1}, {"a", 2}, {"a", 3}, {"a", 4}, {"a", 5}});
    auto seqs = db_alpha->read([](kernel::Connection& c) {
      std::vector<std::int64_t> out;
      SQLite::Statement q(c.raw(), "SELECT seq FROM bus_outbox ORDER BY seq");
      while (q.executeStep()) out.push_back(q.getColumn(0).getInt64());
      return out;
    });
    CHECK(seqs == std::vector<std::int64_t>{1, 2, 3, 4, 5});
    auto autoincrement = db_alpha->read([](kernel::Connection& c) {
      SQLite::Statement q(c.raw(), "SELECT sql FROM sqlite_master WHERE name = 'bus_outbox'");
      q.executeStep();
      return q.getColumn(0).getString().find("AUTOINCREMENT") != std::string::npos;
    });
    CHECK_FALSE(autoincrement);
    CHECK(delivered() == 5);
  }

  TEST_CASE(
      "[Bus] retention deletes delivered outbox rows and inbox rows past it, not the newest") {
    // The clock starts now: event ids carry the system clock's milliseconds.
    kernel::ManualClock clock(kernel::SystemClock().now());
    eventbus::BusOptions options;
    options.clock = &clock;
    options.retention = std::chrono::hours(1);
    options.prune_chunk = 2;  // several transactions per table
    auto db_alpha = bus_database("alpha");
    auto db_beta = bus_database("beta");
    create_seen_table(*db_beta);
    auto bus = relay_over(db_alpha, db_beta, nullptr, options);
    for (int n = 1; n <= 5; ++n) publish(*bus->find("alpha"), "a", n);
    bus->run_until_idle();
    clock.advance(std::chrono::minutes(30));
    for (int n = 6; n <= 7; ++n) publish(*bus->find("alpha"), "a", n);
    bus->run_until_idle();
    auto outbox = [&] { return seqs(*db_alpha); };
    CHECK(bus->prune_now().outbox_rows == 0);  // nothing is an hour old yet

    clock.advance(std::chrono::minutes(45));  // the first five are 75 minutes old
    auto pruned = bus->prune_now();
    CHECK(pruned.outbox_rows == 5);
    CHECK(pruned.inbox_rows == 5);
    CHECK(outbox() == std::vector<std::int64_t>{6, 7});
    CHECK(count(*db_beta, "SELECT COUNT(*) FROM bus_inbox") == 2);

    clock.advance(std::chrono::hours(2));  // all of them are old now
    pruned = bus->prune_now();
    CHECK(pruned.outbox_rows == 1);
    CHECK(pruned.inbox_rows == 2);
    CHECK(outbox() == std::vector<std::int64_t>{7});  // the newest stays: seqs are not reused
    publish(*bus->find("alpha"), "a", 8);
    bus->run_until_idle();
    CHECK(outbox() == std::vector<std::int64_t>{7, 8});
    CHECK(all_seen(*db_beta).size() == 8);
  }

  TEST_CASE("[Bus] retention keeps what a reader has not had, and nothing when it is 0") {
    kernel::ManualClock clock(kernel::SystemClock().now());
    eventbus::BusOptions options;
    options.clock = &clock;
    options.retention = std::chrono::hours(1);
    auto db_alpha = bus_database("alpha");
    auto db_beta = bus_database("beta");
    create_seen_table(*db_beta);
    {
      // Published, never delivered (this process stops first).
      auto bus = relay_over(db_alpha, db_beta, nullptr, options);
      for (int n = 1; n <= 5; ++n) publish(*bus->find("alpha"), "a", n);
    }
    clock.advance(std::chrono::hours(3));
    auto bus = relay_over(db_alpha, db_beta, nullptr, options);
    // Another reader (the Kafka mirror) that has had only the first two.
    bus->add_outbox_reader("alpha", [] { return std::int64_t{2}; }, {});
    bus->prune_now();  // beta has had none of them yet
    CHECK(seqs(*db_alpha) == std::vector<std::int64_t>{1, 2, 3, 4, 5});
    bus->run_until_idle();
    CHECK(all_seen(*db_beta).size() == 5);
    CHECK(bus->prune_now().outbox_rows == 2);  // what the mirror has had, no more
    CHECK(seqs(*db_alpha) == std::vector<std::int64_t>{3, 4, 5});

    options.retention = std::chrono::hours(0);
    auto keeping = relay_over(db_alpha, db_beta, nullptr, options);
    clock.advance(std::chrono::hours(100));
    auto none = keeping->prune_now();
    CHECK(none.outbox_rows + none.inbox_rows == 0);
    CHECK(seqs(*db_alpha) == std::vector<std::int64_t>{3, 4, 5});
  }
}
