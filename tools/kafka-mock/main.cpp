// mart-kafka-mock: librdkafka's mock Kafka cluster (rdkafka_mock.h) as a process, so that mart
// processes, kcat and tests can use a broker without installing one.
//
//   mart-kafka-mock [--brokers N] [--partitions N] [--topic-prefix P] [--bootstrap-file PATH]
//                   [--listen HOST[:PORT]]
//
//   --brokers N            mock brokers, default 1 (ids 1..N; replication factor min(N, 3))
//   --partitions N         partitions of each topic, default 8
//   --topic-prefix P       prepended to the six topic names (as mart's kafka.topic_prefix)
//   --bootstrap-file PATH  also write the bootstrap servers to PATH (removed at exit)
//   --listen HOST[:PORT]   listen on HOST's IPv4 address instead of 127.0.0.1, and on PORT,
//                          PORT+1, ... when given: reachable from other containers or hosts
//                          (a container's own service name, e.g. --listen kafka:9092)
//
// By default the brokers listen on 127.0.0.1 on ports the system picks (librdkafka 2.0.2 cannot
// be told a port; --listen works around it, see listen_address.hpp), so the first line on stdout is
// `bootstrap=127.0.0.1:PORT[,...]`; read it (or the file) and pass it on:
//
//   build/dev/tools/mart-kafka-mock --bootstrap-file /tmp/kafka.bootstrap &
//   B=$(cat /tmp/kafka.bootstrap)   # once the file exists
//   echo 'hello' | kcat -b "$B" -P -t OrderEvents -k 1
//   kcat -b "$B" -C -t OrderEvents -e -f '%k %s\n'
//
// It creates ProductEvents, OrderEvents, PaymentEvents, InventoryEvents, NotificationEvents and
// UserEvents (clients may auto-create others) and runs until SIGTERM or SIGINT. SIGUSR1 takes
// every broker down (connections are closed and refused), SIGUSR2 brings them back: a broker
// outage on demand (`kill -USR1 <pid>`). Each change is logged on stderr.
//
// The data lives in memory only. The mock keeps a bounded log per partition (about 5 MiB or
// 100k message sets in 2.0.2) and silently drops the oldest beyond that: more partitions hold
// more.

#include <librdkafka/rdkafka.h>
// rdkafka_mock.h must follow rdkafka.h.
#include <librdkafka/rdkafka_mock.h>

#include <csignal>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <pthread.h>
#include <unistd.h>

#include "listen_address.hpp"

namespace {

constexpr const char* kTopics[] = {"ProductEvents",   "OrderEvents",        "PaymentEvents",
                                   "InventoryEvents", "NotificationEvents", "UserEvents"};

struct Options {
  int brokers = 1;
  int partitions = 8;
  std::string topic_prefix;
  std::string bootstrap_file;
  std::optional<sockaddr_in> listen;
};

constexpr std::string_view kUsage =
    "usage: mart-kafka-mock [--brokers N] [--partitions N] [--topic-prefix P] "
    "[--bootstrap-file PATH] [--listen HOST[:PORT]]\n";

int parse_count(std::string_view flag, const std::string& value, int max) {
  std::size_t used = 0;
  int n = 0;
  try {
    n = std::stoi(value, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != value.size() || n < 1 || n > max) {
    throw std::invalid_argument(std::string(flag) + " must be a number from 1 to " +
                                std::to_string(max) + ", not \"" + value + "\"");
  }
  return n;
}

bool is_topic_text(std::string_view text) {
  for (char ch : text) {
    const bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                    (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == '-';
    if (!ok) return false;
  }
  return true;
}

// Flags as "--name value" or "--name=value"; nullopt for --help.
std::optional<Options> parse_options(int argc, char** argv) {
  Options options;
  const std::vector<std::string> args(argv + 1, argv + argc);
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string flag = args[i];
    std::string value;
    if (flag == "-h" || flag == "--help") return std::nullopt;
    if (const auto eq = flag.find('='); eq != std::string::npos) {
      value = flag.substr(eq + 1);
      flag.resize(eq);
    } else if (i + 1 < args.size()) {
      value = args[++i];
    } else {
      throw std::invalid_argument(flag + " needs a value");
    }
    if (flag == "--brokers") {
      options.brokers = parse_count(flag, value, 16);
    } else if (flag == "--partitions") {
      options.partitions = parse_count(flag, value, 1000);
    } else if (flag == "--topic-prefix") {
      if (!is_topic_text(value) || value.size() > 200) {
        throw std::invalid_argument("--topic-prefix: letters, digits, '.', '_' and '-' only");
      }
      options.topic_prefix = value;
    } else if (flag == "--bootstrap-file") {
      if (value.empty()) throw std::invalid_argument("--bootstrap-file needs a path");
      options.bootstrap_file = value;
    } else if (flag == "--listen") {
      options.listen = mart::kafka_mock::resolve_listen_address(value);
    } else {
      throw std::invalid_argument("unknown flag " + flag);
    }
  }
  return options;
}

void log(const std::string& message) {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &utc);
  std::cerr << stamp << " mart-kafka-mock: " << message << std::endl;
}

// Written beside the target and renamed, so a reader never sees half a line.
void write_bootstrap_file(const std::string& path, const std::string& bootstrap) {
  const std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary, std::ios::trunc);
    out << bootstrap << '\n';
    if (!out.flush()) throw std::runtime_error("cannot write " + temporary);
  }
  std::filesystem::rename(temporary, path);
}

// Owns the client handle the mock cluster needs and the cluster; the cluster goes first.
class MockCluster {
 public:
  explicit MockCluster(int brokers) {
    char error[512];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    // This handle never connects anywhere: warnings only, not the notice that it has no
    // bootstrap.servers.
    for (const auto& [name, value] :
         {std::pair{"client.id", "mart-kafka-mock"}, std::pair{"log_level", "4"}}) {
      if (rd_kafka_conf_set(conf, name, value, error, sizeof error) != RD_KAFKA_CONF_OK) {
        rd_kafka_conf_destroy(conf);
        throw std::runtime_error(error);
      }
    }
    handle_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, error, sizeof error);  // takes conf
    if (handle_ == nullptr) throw std::runtime_error(std::string("rd_kafka_new: ") + error);
    cluster_ = rd_kafka_mock_cluster_new(handle_, brokers);
    if (cluster_ == nullptr) {
      rd_kafka_destroy(handle_);
      throw std::runtime_error("rd_kafka_mock_cluster_new failed (see librdkafka's log)");
    }
  }
  ~MockCluster() {
    rd_kafka_mock_cluster_destroy(cluster_);
    rd_kafka_destroy(handle_);
  }
  MockCluster(const MockCluster&) = delete;
  MockCluster& operator=(const MockCluster&) = delete;

  std::string bootstraps() const { return rd_kafka_mock_cluster_bootstraps(cluster_); }

  void create_topic(const std::string& name, int partitions, int replication) {
    const auto err = rd_kafka_mock_topic_create(cluster_, name.c_str(), partitions, replication);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      throw std::runtime_error("cannot create topic " + name + ": " + rd_kafka_err2str(err));
    }
  }

  // Brokers 1..count down (connections closed and refused) or up again.
  void set_brokers_up(int count, bool up) {
    for (int id = 1; id <= count; ++id) {
      const auto err = up ? rd_kafka_mock_broker_set_up(cluster_, id)
                          : rd_kafka_mock_broker_set_down(cluster_, id);
      if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        log("broker " + std::to_string(id) + ": " + rd_kafka_err2str(err));
      }
    }
  }

 private:
  rd_kafka_t* handle_ = nullptr;
  rd_kafka_mock_cluster_t* cluster_ = nullptr;
};

int run(const Options& options, const sigset_t& signals) {
  if (options.listen) mart::kafka_mock::substitute_loopback_binds(*options.listen);
  MockCluster cluster(options.brokers);
  const int replication = options.brokers < 3 ? options.brokers : 3;
  for (const char* topic : kTopics) {
    cluster.create_topic(options.topic_prefix + topic, options.partitions, replication);
  }

  const std::string bootstrap = cluster.bootstraps();
  if (!options.bootstrap_file.empty()) write_bootstrap_file(options.bootstrap_file, bootstrap);
  std::cout << "bootstrap=" << bootstrap << std::endl;
  log(std::to_string(options.brokers) + " broker(s) at " + bootstrap + "; topics " +
      (options.topic_prefix.empty() ? "" : "with prefix \"" + options.topic_prefix + "\" ") +
      "of " + std::to_string(options.partitions) + " partitions; pid " +
      std::to_string(static_cast<long>(getpid())) + " (SIGUSR1: brokers down, SIGUSR2: up)");

  bool up = true;
  for (;;) {
    int signal = 0;
    if (sigwait(&signals, &signal) != 0) continue;
    if (signal == SIGUSR1 || signal == SIGUSR2) {
      const bool want_up = signal == SIGUSR2;
      cluster.set_brokers_up(options.brokers, want_up);
      log(std::string(want_up ? "brokers up" : "brokers down") +
          (want_up == up ? " (they already were)" : ""));
      up = want_up;
      continue;
    }
    log(std::string("stopping on ") + (signal == SIGINT ? "SIGINT" : "SIGTERM"));
    break;
  }
  if (!options.bootstrap_file.empty()) {
    std::error_code ignored;
    std::filesystem::remove(options.bootstrap_file, ignored);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::optional<Options> options;
  try {
    options = parse_options(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "mart-kafka-mock: " << e.what() << '\n' << kUsage;
    return 2;
  }
  if (!options) {
    std::cout << kUsage;
    return 0;
  }

  // Blocked before librdkafka starts its threads, so they inherit the mask and only sigwait()
  // below receives these signals.
  sigset_t signals;
  sigemptyset(&signals);
  for (int s : {SIGINT, SIGTERM, SIGUSR1, SIGUSR2}) sigaddset(&signals, s);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  try {
    return run(*options, signals);
  } catch (const std::exception& e) {
    std::cerr << "mart-kafka-mock: " << e.what() << '\n';
    return 1;
  }
}
