// Crashes at any instant lose nothing and duplicate nothing. The crash is real: a forked child
// runs delivery over the same database files and dies with _exit() (no destructor, no commit,
// no flush) in the middle of a batch; the parent then restarts delivery over the same files.

#include "test_events.hpp"

#include "temp_dir.hpp"

#include <doctest/doctest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <map>

using namespace bus_test;

namespace {

// Delivery as a fresh process would set it up; `die_at` > 0 kills the process when the handler
// is about to handle its die_at-th event.
std::unique_ptr<eventbus::Bus> relay(Files& f, int batch_size, int die_at) {
  eventbus::BusOptions options;
  options.batch_size = batch_size;
  auto bus = std::make_unique<eventbus::Bus>(options);
  bus->attach("alpha", f.alpha);
  auto calls = std::make_shared<int>(0);
  bus->attach("beta", f.beta)
      .subscribe<ThingHappened>(
          "beta.on_thing_happened",
          [calls, die_at](const ThingHappened& e, eventbus::HandlerContext& ctx) {
            if (++*calls == die_at) _exit(0);
            record_seen(ctx.tx.db(), e);
            ctx.tx.publish(ThingSeen{e.thing, e.n});
          });
  return bus;
}

}  // namespace

TEST_SUITE("eventbus") {
  TEST_CASE("[Bus] a crash between commit and delivery loses nothing") {
    mart::test::TempDir dir;
    {
      auto f = open_files(dir.path());
      auto bus = relay(f, 64, 0);
      for (int n = 0; n < 50; ++n) publish(*bus->find("alpha"), "k" + std::to_string(n % 3), n);
      // The process stops here: committed, never delivered.
    }
    auto f = open_files(dir.path());
    auto bus = relay(f, 64, 0);
    bus->run_until_idle();
    CHECK(all_seen(*f.beta).size() == 50);
  }

  TEST_CASE(
      "[Bus] kill at any point of delivery: every event's effect exactly once, in key order") {
    const int kEvents = 40;
    const int kBatch = 16;
    // Die before the 1st, in the middle of the first batch, right at a batch boundary, in the
    // middle of a later batch, at the last one.
    for (int die_at : {1, 9, 16, 17, 33, 40}) {
      CAPTURE(die_at);
      mart::test::TempDir dir;
      {
        auto f = open_files(dir.path());
        auto bus = relay(f, kBatch, 0);
        for (int n = 0; n < kEvents; ++n)
          publish(*bus->find("alpha"), "k" + std::to_string(n % 4), n);
      }
      pid_t child = fork();
      REQUIRE(child >= 0);
      if (child == 0) {
        auto f = open_files(dir.path());
        auto bus = relay(f, kBatch, die_at);
        bus->run_until_idle();
        _exit(3);  // not reached: the handler killed the process
      }
      int status = 0;
      waitpid(child, &status, 0);
      REQUIRE(WIFEXITED(status));
      REQUIRE(WEXITSTATUS(status) == 0);

      auto f = open_files(dir.path());
      auto bus = relay(f, kBatch, 0);
      bus->run_until_idle();
      auto seen = all_seen(*f.beta);
      CHECK(seen.size() == static_cast<std::size_t>(kEvents));
      std::map<std::string, std::int64_t> last;
      for (const auto& s : seen) {
        if (last.count(s.thing)) CHECK(s.n > last[s.thing]);
        last[s.thing] = s.n;
      }
      // The consumer's own follow-up events exist once per handled event.
      auto follow_ups = f.beta->read([](kernel::Connection& c) {
        SQLite::Statement q(c.raw(), "SELECT COUNT(*) FROM bus_outbox");
        q.executeStep();
        return q.getColumn(0).getInt();
      });
      CHECK(follow_ups == kEvents);
    }
  }
}
