// The chaos test (issue 17): the real binary with faults injected (10% handler failures,
// duplicated and delayed deliveries) and stopping itself (SIGKILL) again and again at each named
// point — mid_migration on an empty data directory, then after_business_commit,
// between_effect_and_inbox and after_kafka_ack (Kafka: the mock broker) while customers place
// and cancel orders — restarted each time on the same data. Then: every acknowledged order is
// terminal, `mart check` finds no breach (running and stopped), nothing is dead-lettered, and the
// Kafka mirror has caught up. It prints what it did: faults injected, stops, orders placed and
// terminal, breaches.
//
// Bounded: about a minute. MART_CHAOS_ROUNDS (default 3) is the number of rounds per stop point
// (1 for slow builds, e.g. the sanitizers).

#include "broker_process.hpp"
#include "server_process.hpp"

#include "http/client.hpp"
#include "invariants.hpp"
#include "temp_dir.hpp"

#include <kernel/ids.hpp>

#include <doctest/doctest.h>

#include <csignal>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <regex>
#include <sstream>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace mart::test;
using namespace std::chrono_literals;

namespace {

// `mart` as a child that may kill itself at any moment, start-up included (ServerProcess treats
// a death during start-up as a port clash and retries; here it is the point).
class ChaosProcess {
 public:
  ChaosProcess(const std::filesystem::path& data_dir, std::vector<std::string> args,
               const std::map<std::string, std::string>& env)
      : port_(free_port()),
        log_(std::filesystem::temp_directory_path() /
             ("mart-chaos-" + kernel::random_hex_id() + ".log")) {
    std::vector<std::string> words = {MART_BINARY, "--port", std::to_string(port_), "--data-dir",
                                      data_dir.string()};
    words.insert(words.end(), args.begin(), args.end());
    std::vector<std::string> env_text = {"PATH=/usr/bin:/bin"};
    for (const auto& [k, v] : env) env_text.push_back(k + "=" + v);
    pid_ = fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      int fd = open(log_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      dup2(fd, 1);
      dup2(fd, 2);
      std::vector<char*> argv;
      for (auto& w : words) argv.push_back(w.data());
      argv.push_back(nullptr);
      std::vector<char*> envp;
      for (auto& e : env_text) envp.push_back(e.data());
      envp.push_back(nullptr);
      execve(MART_BINARY, argv.data(), envp.data());
      _exit(127);
    }
  }
  ~ChaosProcess() {
    kill9();
    std::error_code ignored;
    std::filesystem::remove(log_, ignored);
  }
  ChaosProcess(const ChaosProcess&) = delete;
  ChaosProcess& operator=(const ChaosProcess&) = delete;

  std::uint16_t port() const { return port_; }

  // Whether it has ended (and how: the exit status, or -signal).
  std::optional<int> ended() {
    if (status_) return status_;
    int status = 0;
    if (pid_ > 0 && waitpid(pid_, &status, WNOHANG) == pid_) {
      status_ = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
      pid_ = -1;
    }
    return status_;
  }

  // Waits until /healthz answers (true) or the process has ended (false).
  bool healthy(std::chrono::seconds timeout = 45s) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (ended()) return false;
      try {
        HttpClient client(port_, 500ms);
        if (client.get("/healthz").status == 200 && listens_on(pid_, port_)) return true;
      } catch (const std::exception&) {
      }
      std::this_thread::sleep_for(10ms);
    }
    FAIL("mart neither became healthy nor ended; output:\n" << output());
    return false;
  }

  void kill9() {
    if (ended() || pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    int status = 0;
    waitpid(pid_, &status, 0);
    status_ = -SIGKILL;
    pid_ = -1;
  }

  std::string output() const {
    std::ifstream in(log_);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

  // Whether it stopped itself at `point` (SIGKILL after the warn line of kernel/faults.cpp).
  bool stopped_at(std::string_view point) {
    return ended() == -SIGKILL &&
           output().find("fault injected: stop at " + std::string(point)) != std::string::npos;
  }

 private:
  std::uint16_t port_;
  std::filesystem::path log_;
  pid_t pid_ = -1;
  std::optional<int> status_;
};

// The faults of every run: 10% of handler attempts fail, 10% of delivered batches come twice,
// 10% wait 20 ms first.
std::vector<std::string> fault_args(const std::string& stop_at, double stop_rate, unsigned seed) {
  std::vector<std::string> args = {"--faults-enabled",
                                   "true",
                                   "--faults-handler-failure-rate",
                                   "0.1",
                                   "--faults-duplicate-rate",
                                   "0.1",
                                   "--faults-delivery-delay-ms",
                                   "20",
                                   "--faults-delivery-delay-rate",
                                   "0.1",
                                   "--faults-seed",
                                   std::to_string(seed)};
  if (!stop_at.empty()) {
    args.insert(args.end(),
                {"--faults-stop-at", stop_at, "--faults-stop-rate", std::to_string(stop_rate)});
  }
  return args;
}

// mart_faults_injected_total by kind, as /metrics shows it now (empty when it cannot be read).
std::map<std::string, std::int64_t> injected(std::uint16_t port) {
  std::map<std::string, std::int64_t> out;
  try {
    HttpClient client(port, 1000ms);
    auto body = client.get("/metrics").body;
    static const std::regex line(R"re(mart_faults_injected_total\{fault="(\w+)"\} (\d+))re");
    for (std::sregex_iterator it(body.begin(), body.end(), line), end; it != end; ++it) {
      out[(*it)[1]] = std::stoll((*it)[2]);
    }
  } catch (const std::exception&) {
  }
  return out;
}

int rounds_per_point() {
  if (const char* text = std::getenv("MART_CHAOS_ROUNDS")) {
    int n = std::atoi(text);
    if (n >= 1) return n;
  }
  return 3;
}

}  // namespace

TEST_SUITE("e2e") {
  TEST_CASE("[e2e] chaos: faults and stops at every named point, and the flow still completes") {
    BrokerProcess broker(MART_KAFKA_MOCK, 4);
    TempDir dir;
    const std::vector<std::string> kafka = {"--kafka-enabled",
                                            "true",
                                            "--kafka-brokers",
                                            broker.bootstrap(),
                                            "--payments-simulated-latency-ms",
                                            "2"};
    auto with = [&](std::vector<std::string> args) {
      args.insert(args.end(), kafka.begin(), kafka.end());
      return args;
    };
    std::map<std::string, int> stops;
    std::map<std::string, std::int64_t> faults;
    int forced_kills = 0;
    unsigned seed = 1;

    // mid_migration: an empty data directory, where every start stops in one of the migrations
    // (its transaction is lost, those before it stay applied); then the shop's first start
    // applies the rest.
    const int rounds = rounds_per_point();
    for (int start = 0; start < rounds + 1; ++start) {
      ChaosProcess mart(dir.path(), with(fault_args("mid_migration", 1, seed++)), admin_env());
      CHECK_FALSE(mart.healthy());
      CHECK_MESSAGE(mart.stopped_at("mid_migration"), "ended otherwise:\n" << mart.output());
      if (mart.stopped_at("mid_migration")) ++stops["mid_migration"];
    }

    // The shop, with faults off.
    Shop shop;
    HeaderList admin;
    {
      ChaosProcess mart(dir.path(), with({}), admin_env());
      REQUIRE(mart.healthy());
      HttpClient client(mart.port());
      admin = admin_headers(client);
      shop = open_shop(client, admin, 3, 4, 60);
    }

    // Rounds under load, each ended by a stop at its point (or by the test after a while).
    const std::vector<std::pair<std::string, double>> points = {{"after_business_commit", 0.01},
                                                                {"between_effect_and_inbox", 0.01},
                                                                {"after_kafka_ack", 0.005}};
    std::vector<std::int64_t> acknowledged;
    for (int round = 0; round < rounds; ++round) {
      for (const auto& [point, rate] : points) {
        CAPTURE(point);
        ChaosProcess mart(dir.path(), with(fault_args(point, rate, seed++)), {});
        if (!mart.healthy()) {  // stopped by what was waiting from the last run
          CHECK_MESSAGE(mart.stopped_at(point), "ended otherwise:\n" << mart.output());
          ++stops[point];
          continue;
        }
        std::map<std::string, std::int64_t> last;
        {
          Shoppers shoppers(shop, mart.port(), seed);
          auto deadline = std::chrono::steady_clock::now() + 4s;
          while (!mart.ended() && std::chrono::steady_clock::now() < deadline) {
            auto now = injected(mart.port());
            if (!now.empty()) last = now;
            std::this_thread::sleep_for(100ms);
          }
          if (mart.ended()) {
            CHECK_MESSAGE(mart.stopped_at(point), "ended otherwise:\n" << mart.output());
            ++stops[point];
          } else {
            mart.kill9();
            ++forced_kills;
          }
          shoppers.stop();
          auto placed = shoppers.acknowledged();
          acknowledged.insert(acknowledged.end(), placed.begin(), placed.end());
        }
        for (const auto& [kind, n] : last) faults[kind] += n;  // as last seen: at least these
      }
    }
    for (const auto& [point, rate] : points) CHECK_MESSAGE(stops[point] >= 1, point);
    REQUIRE(acknowledged.size() > 10);

    // The last run: the same faults, no stop. The flow must complete on its own.
    ChaosProcess mart(dir.path(), with(fault_args("", 0, seed++)), {});
    REQUIRE(mart.healthy());
    HttpClient client(mart.port());
    check_flow_invariants(client, admin, shop, acknowledged);
    int breaches = 0;
    int terminal = 0;
    for (auto id : acknowledged) {
      auto order = client.get("/api/v1/orders/" + std::to_string(id), admin);
      auto status = order.status == 200 ? order.json().at("status") : boost::json::value();
      if (status == "confirmed" || status == "cancelled" || status == "shipped") {
        ++terminal;
      } else {
        ++breaches;
      }
    }
    // Nothing dead-lettered: every injected failure was one the retries absorbed.
    bool none_dead = eventually([&] {
      auto pending =
          client.get("/api/v1/admin/dead-letters?status=pending", admin).json().at("items");
      return pending.as_array().empty();
    });
    CHECK(none_dead);
    auto dead = client.get("/api/v1/admin/dead-letters", admin).json().at("items").as_array();
    CHECK(dead.empty());
    breaches += static_cast<int>(dead.size());
    // The mirror resent what was acknowledged by Kafka but not yet saved: it has caught up.
    bool mirrored = eventually([&] {
      auto body = client.get("/metrics").body;
      static const std::regex lag(R"re(mart_kafka_mirror_lag_events\{module="(\w+)"\} (\d+))re");
      bool any = false;
      for (std::sregex_iterator it(body.begin(), body.end(), lag), end; it != end; ++it) {
        any = true;
        if ((*it)[2] != "0") return false;
      }
      return any;
    });
    CHECK(mirrored);
    if (!mirrored) ++breaches;
    for (const auto& [kind, n] : injected(mart.port())) faults[kind] += n;
    // mart check on the data the chaos left: first read-only while mart runs, then once it is
    // killed (a crash) on the files alone. Both must find no breach.
    auto checked_running = run_mart({"check", "--data-dir", dir.path().string()});
    INFO(checked_running.second);
    CHECK(checked_running.first == 0);
    if (checked_running.first != 0) ++breaches;
    mart.kill9();
    auto checked_stopped = run_mart({"check", "--data-dir", dir.path().string()});
    INFO(checked_stopped.second);
    CHECK(checked_stopped.first == 0);
    if (checked_stopped.first != 0) ++breaches;

    std::int64_t total_faults = 0;
    for (const auto& [kind, n] : faults) total_faults += n;
    int total_stops = 0;
    for (const auto& [point, n] : stops) total_stops += n;
    std::ostringstream summary;
    summary << "chaos: faults injected " << total_faults << " (";
    for (const auto& [kind, n] : faults) summary << kind << " " << n << ", ";
    summary << "at least: a run that stopped itself could not report its last ones); stops "
            << total_stops << " (";
    for (const auto& [point, n] : stops) summary << point << " " << n << ", ";
    summary << "and " << forced_kills << " kills by the test); orders placed "
            << acknowledged.size() << ", terminal " << terminal << "; breaches found " << breaches
            << "\n";
    std::cout << summary.str();
    MESSAGE(summary.str());
    CHECK(breaches == 0);
    CHECK(terminal == static_cast<int>(acknowledged.size()));
    CHECK(total_faults > 0);
  }
}
