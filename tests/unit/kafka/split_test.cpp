// Split mode: a module in one "process" (its own Bus and database) handles the events a module
// of another process published, through Kafka, exactly once and in key order, across restarts.

#include "mock_kafka.hpp"
#include "test_events.hpp"

#include "temp_dir.hpp"

#include <eventbus/kafka/bridge.hpp>
#include <kernel/migrations.hpp>
#include <migrations/embedded.hpp>

#include <doctest/doctest.h>

#include <map>
#include <thread>

using namespace bus_test;
using kafka_test::AlphaProcess;
using kafka_test::MockKafka;
using kafka_test::options_for;
using mart::test::bus_database;
using mart::test::eventually;

namespace {

constexpr int kPartitions = 4;

// Process "B" hosts beta, which records every ThingHappened; `fail_first` makes its handler fail
// once on that n (to show retries work on remote events too).
struct ConsumerProcess {
  std::shared_ptr<kernel::Database> db;
  eventbus::Bus bus;
  eventbus::ModuleBus& beta;
  std::unique_ptr<eventbus::kafka::Bridge> bridge;
  // `also_gamma`: beta also consumes gamma's (GammaEvents) "gamma.noted.v1", so it reads that
  // topic too.
  ConsumerProcess(const std::filesystem::path& dir, const MockKafka& kafka, int fail_first = -1,
                  bool also_gamma = false)
      : db(bus_database("beta", dir)),
        bus([] {
          eventbus::BusOptions o;
          o.retry.initial_backoff = std::chrono::milliseconds(50);
          return o;
        }()),
        beta(bus.attach("beta", db)) {
    create_seen_table(*db);
    auto failed = std::make_shared<bool>(false);
    beta.subscribe<ThingHappened>(
        "beta.on_thing_happened",
        [fail_first, failed](const ThingHappened& e, eventbus::HandlerContext& ctx) {
          if (e.n == fail_first && !*failed) {
            *failed = true;
            throw std::runtime_error("first attempt fails");
          }
          record_seen(ctx.tx.db(), e);
        });
    if (also_gamma) {
      beta.add_subscription("gamma.noted.v1", "GammaEvents", "beta.on_noted",
                            [](eventbus::HandlerContext&) {});
    }
    bridge = std::make_unique<eventbus::kafka::Bridge>(bus, std::vector<std::string>{"beta"},
                                                       options_for(kafka));
    bridge->start();
    bus.start();
  }
  ~ConsumerProcess() {
    bus.stop();
    bridge->stop();
  }
};

// The partition positions saved in the consumer's database, summed: the events it committed.
std::int64_t saved_offsets(kernel::Database& db) {
  return db.read([](kernel::Connection& c) {
    auto& select = c.prepare(
        "SELECT COALESCE(SUM(seq), 0) FROM bus_positions WHERE source LIKE 'kafka:AlphaEvents:%'");
    select.executeStep();
    auto sum = select.getColumn(0).getInt64();
    select.reset();
    return sum;
  });
}

void check_exactly_once_in_key_order(const std::vector<Seen>& seen, int count) {
  std::map<int, int> times;
  std::map<std::string, std::int64_t> last;
  for (const auto& s : seen) {
    ++times[static_cast<int>(s.n)];
    if (last.count(s.thing)) CHECK(last[s.thing] < s.n);
    last[s.thing] = s.n;
  }
  CHECK(times.size() == static_cast<std::size_t>(count));
  for (const auto& [n, t] : times) CHECK(t == 1);
}

}  // namespace

TEST_SUITE("kafka") {
  TEST_CASE("[Split] events published in one process are handled in another, once, in key order") {
    MockKafka kafka;
    kafka.create_topic("AlphaEvents", kPartitions);
    mart::test::TempDir dir_a;
    mart::test::TempDir dir_b;
    AlphaProcess a(dir_a.path(), kafka);
    {
      ConsumerProcess b(dir_b.path(), kafka, /*fail_first=*/5);
      CHECK(b.bus.remote_sources("beta").size() == 1);
      a.publish(0, 100, 7);
      REQUIRE(eventually([&] { return all_seen(*b.db).size() == 100; }));
      check_exactly_once_in_key_order(all_seen(*b.db), 100);
    }
    // B restarts on its database: it resumes where its committed positions say, nothing twice.
    a.publish(100, 150, 7);
    ConsumerProcess b(dir_b.path(), kafka);
    REQUIRE(eventually([&] { return all_seen(*b.db).size() == 150; }));
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    check_exactly_once_in_key_order(all_seen(*b.db), 150);
    auto status = b.bridge->status();
    REQUIRE(status.feeds.size() == 1);
    CHECK(status.feeds[0].assigned);
    // It resumed at its saved offsets: only the 50 new events were read, not the history again
    // (the inbox would hide a re-read from the effects, so count what the feed handed over).
    CHECK(status.consumed == 50);
    CHECK(saved_offsets(*b.db) == 150);
    CHECK(eventually([&] { return b.bridge->status().feeds[0].lag == 0; }));
  }

  TEST_CASE("[Split] a message that is not a Mart event is skipped once, and stays skipped") {
    MockKafka kafka;
    kafka.create_topic("AlphaEvents", 1);
    mart::test::TempDir dir_a;
    mart::test::TempDir dir_b;
    AlphaProcess a(dir_a.path(), kafka);
    a.publish(0, 5);
    REQUIRE(eventually([&] { return a.bridge.status().mirrors.at(0).mirrored_seq == 5; }));
    kafka_test::produce_plain(kafka.bootstraps(), "AlphaEvents", "not-an-event", "{}");
    {
      ConsumerProcess b(dir_b.path(), kafka);
      REQUIRE(eventually([&] { return b.bridge->status().skipped == 1; }));
      CHECK(eventually([&] { return saved_offsets(*b.db) == 6; }));  // past the stranger too
      CHECK(all_seen(*b.db).size() == 5);
    }
    ConsumerProcess b(dir_b.path(), kafka);
    a.publish(5, 7);
    REQUIRE(eventually([&] { return all_seen(*b.db).size() == 7; }));
    // The counter is bumped after the delivery commits: under load it can trail all_seen.
    CHECK(eventually([&] { return b.bridge->status().consumed == 2; }));
    CHECK(b.bridge->status().skipped == 0);  // not read again after the restart
  }

  TEST_CASE("[Split] a record is trusted only as an event of the module whose topic it is on") {
    // Whoever may write to one topic must not be able to speak for another module: a record on
    // GammaEvents claiming alpha's type, or on AlphaEvents naming another source, is skipped.
    MockKafka kafka;
    kafka.create_topic("AlphaEvents", 1);
    kafka.create_topic("GammaEvents", 1);
    mart::test::TempDir dir_a;
    mart::test::TempDir dir_b;
    AlphaProcess a(dir_a.path(), kafka);
    a.publish(0, 3);
    REQUIRE(eventually([&] { return a.bridge.status().mirrors.at(0).mirrored_seq == 3; }));
    auto forged = [&](const std::string& topic, const std::string& type,
                      const std::string& source) {
      kafka_test::produce_with_headers(kafka.bootstraps(), topic, "thing-9",
                                       R"({"thing":"thing-9","n":900})",
                                       {{"ce_specversion", "1.0"},
                                        {"ce_id", "forged-" + topic + "-" + source},
                                        {"ce_type", type},
                                        {"ce_source", source},
                                        {"ce_time", "2026-01-01T00:00:00Z"},
                                        {"content-type", "application/json"}});
    };
    forged("GammaEvents", "alpha.thing_happened.v1", "/mart/alpha");
    forged("AlphaEvents", "alpha.thing_happened.v1", "/mart/gamma");
    forged("GammaEvents", "alpha.thing_happened.v1", "/mart/gamma");

    ConsumerProcess b(dir_b.path(), kafka, -1, /*also_gamma=*/true);
    REQUIRE(b.bus.remote_sources("beta").size() == 2);
    REQUIRE(eventually([&] { return b.bridge->status().skipped == 3; }));
    CHECK(eventually([&] { return all_seen(*b.db).size() == 3; }));
    for (const auto& seen : all_seen(*b.db)) CHECK(seen.n < 3);
  }

  TEST_CASE("[Split] a consumer whose saved positions are gone reads the topics from the start") {
    MockKafka kafka;
    kafka.create_topic("AlphaEvents", kPartitions);
    mart::test::TempDir dir_a;
    mart::test::TempDir dir_b;
    AlphaProcess a(dir_a.path(), kafka);
    a.publish(0, 30);
    REQUIRE(eventually([&] { return a.bridge.status().mirrors.at(0).mirrored_seq == 30; }));
    // Started after the events were produced: a new module rebuilds its read model from history.
    ConsumerProcess b(dir_b.path(), kafka);
    REQUIRE(eventually([&] { return all_seen(*b.db).size() == 30; }));
    check_exactly_once_in_key_order(all_seen(*b.db), 30);
  }
}
