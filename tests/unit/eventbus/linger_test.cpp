// The delivery threads' linger (BusOptions::batch_linger): after a small batch a thread waits,
// so that what is published meanwhile is handled in one transaction; a full batch goes on at once.

#include "test_events.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

using namespace bus_test;
using mart::test::bus_database;
using Clock = std::chrono::steady_clock;

namespace {

// beta handles alpha's ThingHappened on the bus's own delivery threads and notes when each was
// handled (in the order handled).
struct Relay {
  explicit Relay(eventbus::BusOptions options)
      : bus(options), db_alpha(bus_database("alpha")), db_beta(bus_database("beta")) {
    alpha = &bus.attach("alpha", db_alpha);
    bus.attach("beta", db_beta)
        .subscribe<ThingHappened>("beta.on_thing_happened",
                                  [this](const ThingHappened&, eventbus::HandlerContext&) {
                                    std::lock_guard lock(mutex);
                                    handled_at.push_back(Clock::now());
                                  });
    bus.start();
  }
  ~Relay() { bus.stop(); }

  std::size_t handled() {
    std::lock_guard lock(mutex);
    return handled_at.size();
  }
  bool wait_for(std::size_t count, std::chrono::seconds limit) {
    auto deadline = Clock::now() + limit;
    while (handled() < count && Clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return handled() >= count;
  }

  eventbus::Bus bus;
  std::shared_ptr<kernel::Database> db_alpha;
  std::shared_ptr<kernel::Database> db_beta;
  eventbus::ModuleBus* alpha = nullptr;
  std::mutex mutex;
  std::vector<Clock::time_point> handled_at;
};

// How many times the thread named `name` of this process went to sleep (voluntary context
// switches, from /proc); -1 when no such thread is found.
long sleeps_of_thread(const std::string& name) {
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
    std::ifstream comm(task.path() / "comm");
    std::string line;
    if (!std::getline(comm, line) || line != name) continue;
    std::ifstream status(task.path() / "status");
    while (std::getline(status, line)) {
      if (line.rfind("voluntary_ctxt_switches:", 0) == 0) return std::stol(line.substr(24));
    }
  }
  return -1;
}

}  // namespace

TEST_SUITE("eventbus") {
  TEST_CASE("[Bus] after a small batch the delivery thread lingers before it reads again") {
    eventbus::BusOptions options;
    options.batch_linger = std::chrono::milliseconds(300);
    Relay relay(options);
    publish(*relay.alpha, "k", 0);
    REQUIRE(relay.wait_for(1, std::chrono::seconds(10)));
    // Handled alone, a batch of one: beta's thread now waits out the linger, and what is
    // published meanwhile waits for it (without the linger: a few milliseconds).
    relay.alpha->transact({"c", ""}, [](eventbus::Tx& tx) {
      for (int n = 1; n <= 5; ++n) tx.publish(ThingHappened{"k", n});
    });
    REQUIRE(relay.wait_for(6, std::chrono::seconds(10)));
    std::lock_guard lock(relay.mutex);
    CHECK(relay.handled_at[1] - relay.handled_at[0] >= std::chrono::milliseconds(250));
  }

  TEST_CASE("[Bus] what is published during a linger does not wake the lingering thread") {
    // Every wake-up is a context switch, and the linger is there to save them: at moderate load
    // a publisher commits several times during one linger.
    eventbus::BusOptions options;
    options.batch_linger = std::chrono::milliseconds(4000);  // room for slow, sanitized runs
    Relay relay(options);
    publish(*relay.alpha, "k", 0);
    REQUIRE(relay.wait_for(1, std::chrono::seconds(10)));
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // its batch commits; it lingers
    auto before = sleeps_of_thread("bus-beta");
    REQUIRE(before >= 0);
    for (int n = 1; n <= 20; ++n) {
      publish(*relay.alpha, "k", n);
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    auto during = sleeps_of_thread("bus-beta") - before;
    CHECK(relay.handled() == 1);  // still lingering
    CHECK(during <= 2);
    REQUIRE(relay.wait_for(21, std::chrono::seconds(10)));
  }

  TEST_CASE("[Bus] full batches never linger") {
    eventbus::BusOptions options;
    options.batch_size = 16;  // batches of 16 are full; only those under 2 events are small
    options.batch_linger = std::chrono::milliseconds(300);
    Relay relay(options);
    // 320 events in one transaction: 20 full batches. Lingering after each would take 6 s.
    relay.alpha->transact({"c", ""}, [](eventbus::Tx& tx) {
      for (int n = 0; n < 320; ++n) tx.publish(ThingHappened{"k", n});
    });
    auto start = Clock::now();
    REQUIRE(relay.wait_for(320, std::chrono::seconds(30)));
    CHECK(Clock::now() - start < std::chrono::seconds(3));
  }

  TEST_CASE("[Bus] a batch cut short by the time budget does not linger: events wait behind it") {
    eventbus::BusOptions options;
    options.batch_time_budget = std::chrono::milliseconds(30);
    options.batch_linger = std::chrono::milliseconds(300);
    eventbus::Bus bus(options);
    auto db_alpha = bus_database("alpha");
    auto db_beta = bus_database("beta");
    auto& alpha = bus.attach("alpha", db_alpha);
    std::atomic<int> handled{0};
    bus.attach("beta", db_beta)
        .subscribe<ThingHappened>("beta.on_thing_happened", [&](const auto&, auto&) {
          std::this_thread::sleep_for(std::chrono::milliseconds(10));
          ++handled;
        });
    // 12 events of 10 ms each: batches of about 3, each cut by the 30 ms budget. Lingering after
    // each would add 300 ms three times or more.
    alpha.transact({"c", ""}, [](eventbus::Tx& tx) {
      for (int n = 0; n < 12; ++n) tx.publish(ThingHappened{"k", n});
    });
    auto start = Clock::now();
    bus.start();
    auto deadline = start + std::chrono::seconds(30);
    while (handled.load() < 12 && Clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    auto took = Clock::now() - start;
    bus.stop();
    REQUIRE(handled.load() == 12);
    CHECK(took < std::chrono::milliseconds(700));
  }
}
