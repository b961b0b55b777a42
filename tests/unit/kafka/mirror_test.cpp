// The mirror: every outbox row reaches its topic once, keyed, with CloudEvents headers, through
// broker outages and restarts.

#include "mock_kafka.hpp"
#include "test_events.hpp"

#include "temp_dir.hpp"

#include <eventbus/kafka/bridge.hpp>
#include <kernel/migrations.hpp>
#include <kernel/time.hpp>
#include <migrations/embedded.hpp>

#include <doctest/doctest.h>

#include <boost/json.hpp>

#include <map>
#include <regex>
#include <set>
#include <thread>

using namespace bus_test;
using kafka_test::AlphaProcess;
using kafka_test::MockKafka;
using kafka_test::read_topic;
using kafka_test::Record;
using mart::test::eventually;

namespace {

constexpr int kPartitions = 4;

std::int64_t saved_mirror_position(kernel::Database& db) {
  return db.read([](kernel::Connection& c) {
    auto& select = c.prepare("SELECT seq FROM bus_positions WHERE source = 'kafka:mirror'");
    std::int64_t seq = select.executeStep() ? select.getColumn(0).getInt64() : 0;
    select.reset();
    return seq;
  });
}

std::set<std::string> ids_of(const std::vector<Record>& records) {
  std::set<std::string> ids;
  for (const auto& r : records) ids.insert(r.headers.at("ce_id"));
  return ids;
}

}  // namespace

TEST_SUITE("kafka") {
  TEST_CASE("[Mirror] every event reaches its topic once, keyed, with CloudEvents headers") {
    MockKafka kafka;
    kafka.create_topic("test.AlphaEvents", kPartitions);
    mart::test::TempDir dir;
    AlphaProcess a(dir.path(), kafka, "test.", /*start=*/false);
    a.publish(0, 200);  // rows waiting in the outbox before the mirror starts
    a.start();
    auto& db = a.db;
    auto& bus = a.bus;
    auto& bridge = a.bridge;

    auto records = read_topic(kafka.bootstraps(), "test.AlphaEvents", kPartitions,
                              [](const auto& r) { return r.size() >= 200; });
    REQUIRE(records.size() == 200);
    auto outbox = db->read([](kernel::Connection& c) {
      std::map<std::string, std::string> ids;  // event id -> correlation id
      auto& select = c.prepare("SELECT event_id, correlation_id FROM bus_outbox");
      while (select.executeStep())
        ids[select.getColumn(0).getString()] = select.getColumn(1).getString();
      select.reset();
      return ids;
    });
    CHECK(ids_of(records).size() == 200);
    std::map<std::string, std::int64_t> last_n;  // per key, order holds
    const std::regex traceparent("00-[0-9a-f]{32}-[0-9a-f]{16}-01");
    for (const auto& r : records) {
      auto value = boost::json::parse(r.value).as_object();
      auto n = value.at("n").as_int64();
      CHECK(r.key == "thing-" + std::to_string(n % 10));
      CHECK(value.at("thing").as_string() == r.key);
      if (last_n.count(r.key)) CHECK(last_n[r.key] < n);
      last_n[r.key] = n;
      CHECK(outbox.count(r.headers.at("ce_id")) == 1);
      CHECK(r.headers.at("ce_type") == "alpha.thing_happened.v1");
      CHECK(r.headers.at("ce_source") == "/mart/alpha");
      CHECK(r.headers.at("ce_specversion") == "1.0");
      CHECK(r.headers.at("content-type") == "application/json");
      CHECK(kernel::parse_rfc3339(r.headers.at("ce_time")).has_value());
      CHECK(r.headers.at("ce_correlationid") == "corr-" + std::to_string(n));
      CHECK(std::regex_match(r.headers.at("traceparent"), traceparent));
    }
    // Delivered means mirrored: the outbox drains, and the position is saved.
    CHECK(eventually([&] { return bus.status().at(0).outbox_waiting == 0; }));
    bus.stop();
    bridge.stop();
    CHECK(saved_mirror_position(*db) == 200);
    auto status = bridge.status();
    CHECK(status.produced == 200);
    CHECK(status.produce_errors == 0);
    CHECK(status.mirrors.at(0).waiting == 0);
  }

  TEST_CASE("[Mirror] a broker outage delays the mirror and loses and duplicates nothing") {
    MockKafka kafka;
    kafka.create_topic("test.AlphaEvents", kPartitions);
    mart::test::TempDir dir;
    AlphaProcess a(dir.path(), kafka, "test.");
    auto& bus = a.bus;
    auto& bridge = a.bridge;
    a.publish(0, 50);
    REQUIRE(eventually([&] { return bridge.status().mirrors.at(0).mirrored_seq == 50; }));

    kafka.set_down(true);
    a.publish(50, 150);
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    auto during = bridge.status();
    CHECK(during.mirrors.at(0).mirrored_seq == 50);  // nothing counts as mirrored while down
    CHECK(during.mirrors.at(0).waiting == 100);
    CHECK(bus.status().at(0).outbox_waiting == 100);

    kafka.set_down(false);
    CHECK(eventually([&] { return bridge.status().mirrors.at(0).mirrored_seq == 150; },
                     std::chrono::seconds(30)));
    auto records = read_topic(kafka.bootstraps(), "test.AlphaEvents", kPartitions,
                              [](const auto& r) { return r.size() >= 150; });
    // Read a little longer: a duplicate would arrive after the 150th record.
    auto settled = read_topic(
        kafka.bootstraps(), "test.AlphaEvents", kPartitions, [](const auto&) { return false; },
        std::chrono::seconds(2));
    CHECK(records.size() == 150);
    CHECK(settled.size() == 150);
    CHECK(ids_of(settled).size() == 150);
    bus.stop();
    bridge.stop();
  }

  TEST_CASE("[Mirror] its position survives a restart: nothing is sent twice after a clean stop") {
    MockKafka kafka;
    kafka.create_topic("test.AlphaEvents", kPartitions);
    mart::test::TempDir dir;
    {
      AlphaProcess a(dir.path(), kafka, "test.");
      a.publish(0, 40);
      REQUIRE(eventually([&] { return a.bridge.status().mirrors.at(0).mirrored_seq == 40; }));
    }
    {
      AlphaProcess a(dir.path(), kafka, "test.", /*start=*/false);
      CHECK(saved_mirror_position(*a.db) == 40);
      a.start();
      a.publish(40, 50);
      REQUIRE(eventually([&] { return a.bridge.status().mirrors.at(0).mirrored_seq == 50; }));
    }
    auto records = read_topic(
        kafka.bootstraps(), "test.AlphaEvents", kPartitions, [](const auto&) { return false; },
        std::chrono::seconds(3));
    CHECK(records.size() == 50);
    CHECK(ids_of(records).size() == 50);
  }
}
