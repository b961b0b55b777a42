// Injected faults at the bus (faults.*, kernel/faults.hpp): failed handlers are retried and never
// dead-lettered, delayed and duplicated deliveries change nothing, and a process stopped at a
// named point (a real SIGKILL of a forked child over the same database files) loses nothing and
// duplicates nothing once delivery restarts.

#include "test_events.hpp"

#include "recording_bus.hpp"
#include "temp_dir.hpp"

#include <kernel/faults.hpp>

#include <doctest/doctest.h>

#include <csignal>

#include <sys/wait.h>
#include <unistd.h>

using namespace bus_test;
using namespace std::chrono_literals;

namespace {

// Injects `settings` for the life of the guard.
struct Faults {
  explicit Faults(kernel::faults::Settings settings) {
    settings.enabled = true;
    if (settings.seed == 0) settings.seed = 17;
    kernel::faults::configure(settings);
  }
  ~Faults() { kernel::faults::configure({}); }
};

// beta records every ThingHappened it handles (and counts the handler's calls).
struct Recorder {
  int calls = 0;
};

void subscribe_recorder(eventbus::ModuleBus& beta, Recorder& recorder) {
  beta.subscribe<ThingHappened>("beta.on_thing_happened",
                                [&recorder](const ThingHappened& e, eventbus::HandlerContext& ctx) {
                                  ++recorder.calls;
                                  record_seen(ctx.tx.db(), e);
                                });
}

// Runs the bus until nothing is parked, advancing the clock past every back-off.
void settle(mart::test::RecordingBus& rb) {
  for (int round = 0; round < 50; ++round) {
    rb.run_until_idle();
    if (rb.bus().dead_letters(std::nullopt, 1, eventbus::ParkedStatus::pending).empty()) return;
    rb.clock().advance(10s);
  }
}

// Delivery as a fresh process sets it up: beta records what it sees and publishes ThingSeen.
std::unique_ptr<eventbus::Bus> relay(Files& f) {
  auto bus = std::make_unique<eventbus::Bus>();
  bus->attach("alpha", f.alpha);
  bus->attach("beta", f.beta)
      .subscribe<ThingHappened>("beta.on_thing_happened",
                                [](const ThingHappened& e, eventbus::HandlerContext& ctx) {
                                  record_seen(ctx.tx.db(), e);
                                  ctx.tx.publish(ThingSeen{e.thing, e.n});
                                });
  return bus;
}

std::int64_t count_rows(kernel::Database& db, const char* sql) {
  return db.read([sql](kernel::Connection& c) {
    SQLite::Statement q(c.raw(), sql);
    q.executeStep();
    return q.getColumn(0).getInt64();
  });
}

// Runs `body` in a forked child with `settings` injected; returns the signal that ended it (0
// when it exited).
template <class Body>
int in_child(const kernel::faults::Settings& settings, Body body) {
  pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    Faults faults(settings);
    body();
    _exit(3);  // the stop point was not reached
  }
  int status = 0;
  waitpid(child, &status, 0);
  return WIFSIGNALED(status) ? WTERMSIG(status) : 0;
}

kernel::faults::Settings stopping_at(kernel::faults::StopPoint point) {
  kernel::faults::Settings s;
  s.stop_at = point;
  return s;
}

// alpha publishes; beta records every ThingHappened and counts its handler's calls.
struct RecordedDelivery {
  mart::test::RecordingBus rb;  // 3 attempts at most
  eventbus::ModuleBus& alpha = rb.host("alpha");
  eventbus::ModuleBus& beta = rb.host("beta");
  Recorder recorder;
  RecordedDelivery() {
    create_seen_table(beta.db());
    subscribe_recorder(beta, recorder);
  }
};

}  // namespace

TEST_SUITE("eventbus") {
  TEST_CASE_FIXTURE(
      RecordedDelivery,
      "[Faults] injected handler failures are retried, never dead-lettered, effects once") {
    SUBCASE("every attempt but the last fails") {
      kernel::faults::Settings s;
      s.handler_failure_rate = 1;
      Faults faults(s);
      for (int n = 0; n < 4; ++n) publish(alpha, "k" + std::to_string(n), n);
      rb.run_until_idle();
      CHECK(all_seen(beta.db()).empty());  // the injected failure ran before the handler
      CHECK(recorder.calls == 0);
      settle(rb);
      CHECK(all_seen(beta.db()).size() == 4);
      CHECK(recorder.calls == 4);
      CHECK(kernel::faults::counts().handler_failures == 4 * 2);  // attempts 1 and 2 of 3
      CHECK(rb.bus().dead_letters(std::nullopt, 10).empty());
    }
    SUBCASE("10% of the attempts fail: all delivered, in key order, none dead") {
      kernel::faults::Settings s;
      s.handler_failure_rate = 0.1;
      Faults faults(s);
      const int kEvents = 300;
      for (int n = 0; n < kEvents; ++n) publish(alpha, "k" + std::to_string(n % 7), n);
      settle(rb);
      auto seen = all_seen(beta.db());
      CHECK(seen.size() == static_cast<std::size_t>(kEvents));
      std::map<std::string, std::int64_t> last;
      for (const auto& e : seen) {
        if (last.count(e.thing)) CHECK(e.n > last[e.thing]);
        last[e.thing] = e.n;
      }
      CHECK(kernel::faults::counts().handler_failures > 0);
      CHECK(rb.bus().dead_letters(std::nullopt, 10).empty());
    }
  }

  TEST_CASE("[Faults] an outside call is not made when its attempt fails by injection") {
    mart::test::RecordingBus rb;
    auto& alpha = rb.host("alpha");
    auto& beta = rb.host("beta");
    create_seen_table(beta.db());
    int called = 0;
    beta.subscribe_outside<ThingHappened>(
        "beta.call_out",
        [&called](const ThingHappened&, const eventbus::Envelope&,
                  kernel::Database&) -> eventbus::RawHandler {
          ++called;
          return {};
        },
        eventbus::OutsideRetry{});
    kernel::faults::Settings s;
    s.handler_failure_rate = 1;
    {
      Faults faults(s);
      publish(alpha, "a", 1);
      rb.run_until_idle();
      CHECK(called == 0);
      CHECK(kernel::faults::counts().handler_failures == 1);
      CHECK(rb.bus().dead_letters(std::nullopt, 10, eventbus::ParkedStatus::pending).size() == 1);
    }
    settle(rb);  // faults off again: the retry calls once
    CHECK(called == 1);
    CHECK(rb.bus().dead_letters(std::nullopt, 10).empty());
  }

  TEST_CASE_FIXTURE(RecordedDelivery, "[Faults] a delayed delivery waits first") {
    kernel::faults::Settings s;
    s.delivery_delay = 60ms;
    s.delivery_delay_rate = 1;
    Faults faults(s);
    publish(alpha, "a", 1);
    auto started = std::chrono::steady_clock::now();
    rb.run_until_idle();
    CHECK(std::chrono::steady_clock::now() - started >= 60ms);
    CHECK(kernel::faults::counts().delivery_delays >= 1);
    CHECK(all_seen(beta.db()).size() == 1);
  }

  TEST_CASE_FIXTURE(RecordedDelivery,
                    "[Faults] a duplicated delivery is read again and the inbox makes it a no-op") {
    kernel::faults::Settings s;
    s.duplicate_rate = 1;
    Faults faults(s);
    for (int n = 0; n < 20; ++n) publish(alpha, "k" + std::to_string(n % 3), n);
    rb.run_until_idle();
    CHECK(kernel::faults::counts().duplicates >= 1);
    // Delivered again, yet each effect once: the second delivery found the inbox rows.
    CHECK(recorder.calls == 20);
    CHECK(all_seen(beta.db()).size() == 20);
    // Read again, not again and again: later rounds have nothing to do.
    CHECK(rb.run_until_idle() == 0);
    for (int n = 20; n < 30; ++n) publish(alpha, "k" + std::to_string(n % 3), n);
    rb.run_until_idle();
    CHECK(kernel::faults::counts().duplicates >= 2);
    CHECK(all_seen(beta.db()).size() == 30);
  }

  TEST_CASE("[Faults] stop after a business commit: the event is delivered after the restart") {
    mart::test::TempDir dir;
    int signal = in_child(stopping_at(kernel::faults::StopPoint::after_business_commit), [&] {
      auto f = open_files(dir.path());
      auto bus = relay(f);
      publish(*bus->find("alpha"), "a", 1);  // committed, then the process is gone
    });
    CHECK(signal == SIGKILL);
    auto f = open_files(dir.path());
    CHECK(count_rows(*f.alpha, "SELECT COUNT(*) FROM bus_outbox") == 1);
    auto bus = relay(f);
    bus->run_until_idle();
    CHECK(all_seen(*f.beta) == std::vector<Seen>{{"a", 1}});
  }

  TEST_CASE("[Faults] stop after a handler's commit that published: its event survives, once") {
    mart::test::TempDir dir;
    {
      auto f = open_files(dir.path());
      auto bus = relay(f);
      publish(*bus->find("alpha"), "a", 1);
    }
    int signal = in_child(stopping_at(kernel::faults::StopPoint::after_business_commit), [&] {
      auto f = open_files(dir.path());
      auto bus = relay(f);
      bus->run_until_idle();  // beta handles and publishes ThingSeen: stop after that commit
    });
    CHECK(signal == SIGKILL);
    auto f = open_files(dir.path());
    auto bus = relay(f);
    bus->run_until_idle();
    CHECK(all_seen(*f.beta) == std::vector<Seen>{{"a", 1}});
    CHECK(count_rows(*f.beta, "SELECT COUNT(*) FROM bus_outbox") == 1);
  }

  TEST_CASE("[Faults] stop between a handler's effect and its inbox row: delivered again, once") {
    mart::test::TempDir dir;
    {
      auto f = open_files(dir.path());
      auto bus = relay(f);
      for (int n = 0; n < 5; ++n) publish(*bus->find("alpha"), "a", n);
    }
    int signal = in_child(stopping_at(kernel::faults::StopPoint::between_effect_and_inbox), [&] {
      auto f = open_files(dir.path());
      auto bus = relay(f);
      bus->run_until_idle();
    });
    CHECK(signal == SIGKILL);
    auto f = open_files(dir.path());
    // The handler had run; its transaction (effect, inbox row, position) was lost with the process.
    CHECK(all_seen(*f.beta).empty());
    CHECK(count_rows(*f.beta, "SELECT COUNT(*) FROM bus_inbox") == 0);
    auto bus = relay(f);
    bus->run_until_idle();
    CHECK(all_seen(*f.beta).size() == 5);
    CHECK(count_rows(*f.beta, "SELECT COUNT(*) FROM bus_outbox") == 5);
  }

  TEST_CASE("[Faults] a stop point not reached, or faults off, stops nothing") {
    mart::test::TempDir dir;
    auto settings = stopping_at(kernel::faults::StopPoint::after_kafka_ack);
    CHECK(in_child(settings, [&] {
            auto f = open_files(dir.path());
            auto bus = relay(f);
            publish(*bus->find("alpha"), "a", 1);
            bus->run_until_idle();
          }) == 0);
    settings = stopping_at(kernel::faults::StopPoint::between_effect_and_inbox);
    settings.stop_rate = 0;
    CHECK(in_child(settings, [&] {
            auto f = open_files(dir.path());
            auto bus = relay(f);
            publish(*bus->find("alpha"), "b", 2);
            bus->run_until_idle();
          }) == 0);
    auto f = open_files(dir.path());
    CHECK(all_seen(*f.beta).size() == 2);
  }
}
