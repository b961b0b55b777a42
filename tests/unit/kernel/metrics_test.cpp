#include <kernel/metrics.hpp>

#include <doctest/doctest.h>

#include <string>
#include <thread>
#include <vector>

using kernel::metrics::Registry;

TEST_SUITE("kernel") {
  TEST_CASE("[Metrics] counters and gauges render with HELP, TYPE and escaped labels") {
    Registry registry;
    auto& requests = registry.counter("t_requests_total", "Requests.", {"route", "status"});
    requests.with({"/a/{id}", "200"}).inc();
    requests.with({"/a/{id}", "200"}).inc(2);
    requests.with({"say \"hi\"\\\n", "500"}).inc();
    registry.gauge("t_in_flight", "In flight.").with({}).set(3);
    std::string out;
    registry.render(out);
    CHECK(out.find("# HELP t_requests_total Requests.\n# TYPE t_requests_total counter\n") == 0);
    CHECK(out.find("t_requests_total{route=\"/a/{id}\",status=\"200\"} 3\n") != std::string::npos);
    CHECK(out.find("t_requests_total{route=\"say \\\"hi\\\"\\\\\\n\",status=\"500\"} 1\n") !=
          std::string::npos);
    CHECK(out.find("# TYPE t_in_flight gauge\nt_in_flight 3\n") != std::string::npos);
  }

  TEST_CASE("[Metrics] a histogram's buckets are cumulative and end with +Inf = count") {
    Registry registry;
    auto& h = registry.histogram("t_seconds", "Latency.", {"route"}, {0.5, 1});
    auto& series = h.with({"/x"});
    series.observe(0.25);
    series.observe(0.5);  // le is inclusive
    series.observe(0.75);
    series.observe(8);
    std::string out;
    registry.render(out);
    CHECK(out.find("t_seconds_bucket{route=\"/x\",le=\"0.5\"} 2\n") != std::string::npos);
    CHECK(out.find("t_seconds_bucket{route=\"/x\",le=\"1\"} 3\n") != std::string::npos);
    CHECK(out.find("t_seconds_bucket{route=\"/x\",le=\"+Inf\"} 4\n") != std::string::npos);
    CHECK(out.find("t_seconds_sum{route=\"/x\"} 9.5\n") != std::string::npos);
    CHECK(out.find("t_seconds_count{route=\"/x\"} 4\n") != std::string::npos);
  }

  TEST_CASE("[Metrics] the same name registers once; another type or label set is an error") {
    Registry registry;
    auto& a = registry.counter("t_total", "A.", {"x"});
    auto& b = registry.counter("t_total", "A.", {"x"});
    CHECK(&a == &b);
    CHECK_THROWS_AS(registry.gauge("t_total", "A.", {"x"}), std::logic_error);
    CHECK_THROWS_AS(registry.counter("t_total", "A.", {"y"}), std::logic_error);
    CHECK_THROWS_AS(a.with({"1", "2"}), std::logic_error);
  }

  TEST_CASE("[Metrics] concurrent increments are all counted") {
    Registry registry;
    auto& family = registry.counter("t_concurrent_total", "C.", {"thread"});
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&] {
        for (int i = 0; i < 10'000; ++i) family.with({"shared"}).inc();
      });
    }
    for (auto& t : threads) t.join();
    CHECK(family.with({"shared"}).value() == 40'000);
  }
}
