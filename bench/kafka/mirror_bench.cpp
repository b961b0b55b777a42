// Mirror throughput: events/s the Kafka bridge mirrors from a module's outbox to librdkafka's
// mock cluster, against librdkafka's own producer sending the same messages (same keys, values
// and CloudEvents headers, idempotent, acks=all) to the same cluster in the same run.
//
//   bench_kafka_mirror [--events N] [--partitions P] [--payload-bytes B]
//
// Prints one JSON line: {"events":..,"raw_per_s":..,"mirror_per_s":..,"ratio":..}, with the
// process's CPU time per message (every thread: the clients', the in-process mock broker's) for
// each raw producer setting (least_cpu_us: the cheapest), the mirror, and a plain consumer reading
// such messages back: the least that a message produced and a message consumed cost the machine,
// which bounds split mode (bench/orders/what-bounds-it.md). The mock cluster keeps about 5 MiB or
// 100k message sets per partition (librdkafka 2.0.2) and drops older data silently, so the
// consumer reads a topic of its own holding no more than that.

#include <eventbus/bus.hpp>
#include <eventbus/kafka/bridge.hpp>
#include <kernel/log.hpp>
#include <kernel/migrations.hpp>
#include <kernel/time.hpp>
#include <migrations/embedded.hpp>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <boost/describe/class.hpp>

#include <sys/resource.h>
#include <unistd.h>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <stdexcept>
#include <string>
#include <thread>

namespace {

struct OrderNoted {
  static constexpr std::string_view kType = "orders.order_noted.v1";
  static constexpr std::string_view kTopic = "OrderEvents";
  std::int64_t order_id = 0;
  std::string note;
  std::string key() const { return std::to_string(order_id); }
};
BOOST_DESCRIBE_STRUCT(OrderNoted, (), (order_id, note))

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// CPU time of the whole process (every thread) so far, in µs.
double process_cpu_us() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto us = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) * 1e6 + static_cast<double>(t.tv_usec);
  };
  return us(usage.ru_utime) + us(usage.ru_stime);
}

// Messages per second, and the process's CPU time per message.
struct Cost {
  double per_s = 0;
  double cpu_us = 0;
};

// Measures `work`, which handles `messages` messages.
template <class Work>
Cost measure(std::size_t messages, Work&& work) {
  auto cpu = process_cpu_us();
  auto start = Clock::now();
  work();
  auto n = static_cast<double>(messages);
  return {n / seconds_since(start), (process_cpu_us() - cpu) / n};
}

using Settings = std::vector<std::pair<std::string, std::string>>;

// The producer settings the raw baseline tries: batching (linger.ms, batch.size) and compression
// on top of what the mirror must keep (idempotence, acks=all). The best of them is the baseline.
const std::vector<Settings> kRawCandidates = {
    {{"linger.ms", "5"}},
    {{"linger.ms", "20"}},
    {{"linger.ms", "50"}, {"batch.size", "4000000"}},
    {{"linger.ms", "5"}, {"compression.codec", "lz4"}},
    {{"linger.ms", "20"}, {"compression.codec", "lz4"}},
    {{"linger.ms", "50"}, {"batch.size", "4000000"}, {"compression.codec", "lz4"}},
    {{"linger.ms", "20"}, {"compression.codec", "zstd"}},
    {{"linger.ms", "20"}, {"compression.codec", "snappy"}},
};

std::string describe(const Settings& settings) {
  std::string text;
  for (const auto& [k, v] : settings) {
    if (!text.empty()) text += ' ';
    text += k + "=" + v;
  }
  return text;
}

// A librdkafka client of `type` with `settings`.
rd_kafka_t* new_client(rd_kafka_type_t type, const Settings& settings) {
  char error[512];
  auto* conf = rd_kafka_conf_new();
  for (const auto& [k, v] : settings) {
    if (rd_kafka_conf_set(conf, k.c_str(), v.c_str(), error, sizeof error) != RD_KAFKA_CONF_OK) {
      rd_kafka_conf_destroy(conf);
      throw std::runtime_error(error);
    }
  }
  auto* client = rd_kafka_new(type, conf, error, sizeof error);  // takes conf when it succeeds
  if (!client) {
    rd_kafka_conf_destroy(conf);
    throw std::runtime_error(error);
  }
  return client;
}

// Produces `rows` to `topic` as the mirror would (same keys, values and headers), waiting when the
// producer's queue is full.
void produce_all(rd_kafka_t* producer, const std::vector<eventbus::Envelope>& rows,
                 const char* topic) {
  for (const auto& row : rows) {
    auto* headers = rd_kafka_headers_new(9);
    auto add = [&](const char* name, const std::string& value) {
      rd_kafka_header_add(headers, name, -1, value.data(), static_cast<ssize_t>(value.size()));
    };
    add("ce_specversion", "1.0");
    add("ce_id", row.id);
    add("ce_type", row.type);
    add("ce_source", "/mart/" + row.source);
    add("ce_time", kernel::format_rfc3339(kernel::from_unix_millis(row.occurred_ms)));
    add("content-type", "application/json");
    add("ce_correlationid", row.correlation_id);
    add("traceparent", "00-0123456789abcdef0123456789abcdef-0123456789abcdef-01");
    for (;;) {
      std::array<rd_kafka_vu_t, 5> values{};
      values[0].vtype = RD_KAFKA_VTYPE_TOPIC;
      values[0].u.cstr = topic;
      values[1].vtype = RD_KAFKA_VTYPE_KEY;
      values[1].u.mem = {const_cast<char*>(row.key.data()), row.key.size()};
      values[2].vtype = RD_KAFKA_VTYPE_VALUE;
      values[2].u.mem = {const_cast<char*>(row.payload.data()), row.payload.size()};
      values[3].vtype = RD_KAFKA_VTYPE_MSGFLAGS;
      values[3].u.i = RD_KAFKA_MSG_F_COPY;
      values[4].vtype = RD_KAFKA_VTYPE_HEADERS;
      values[4].u.headers = headers;
      auto* failed = rd_kafka_produceva(producer, values.data(), values.size());
      if (!failed) break;
      auto code = rd_kafka_error_code(failed);
      rd_kafka_error_destroy(failed);
      if (code != RD_KAFKA_RESP_ERR__QUEUE_FULL) throw std::runtime_error(rd_kafka_err2str(code));
      rd_kafka_poll(producer, 1);
    }
    rd_kafka_poll(producer, 0);
  }
  rd_kafka_flush(producer, 60'000);
}

// The same messages the mirror sends, produced straight from memory.
Cost raw_producer(const std::string& bootstraps, const std::vector<eventbus::Envelope>& rows,
                  const Settings& settings, const char* topic = "RawEvents") {
  Settings all = {{"bootstrap.servers", bootstraps},
                  {"enable.idempotence", "true"},
                  {"acks", "all"},
                  {"queue.buffering.max.messages", "200000"},
                  {"log_level", "3"}};
  all.insert(all.end(), settings.begin(), settings.end());
  auto* producer = new_client(RD_KAFKA_PRODUCER, all);
  auto cost = measure(rows.size(), [&] { produce_all(producer, rows, topic); });
  rd_kafka_destroy(producer);
  return cost;
}

// A consumer reading `messages` messages of `topic` from the start, as a split process's feed reads
// another module's topic (without handling them). It assigns itself every partition, so there is
// no group to join; group.id is set because librdkafka's consumer wants one.
Cost raw_consumer(const std::string& bootstraps, const char* topic, int partitions,
                  std::size_t messages) {
  auto* consumer = new_client(RD_KAFKA_CONSUMER, {{"bootstrap.servers", bootstraps},
                                                  {"group.id", "bench-raw-consumer"},
                                                  {"enable.auto.commit", "false"},
                                                  {"log_level", "3"}});
  rd_kafka_poll_set_consumer(consumer);
  // Every partition assigned from its start (no group join to wait for), the clock from there:
  // the consumer fetches ahead of what it is asked for.
  std::size_t received = 0;
  auto cost = measure(messages, [&] {
    auto* assignment = rd_kafka_topic_partition_list_new(partitions);
    for (int partition = 0; partition < partitions; ++partition) {
      rd_kafka_topic_partition_list_add(assignment, topic, partition)->offset =
          RD_KAFKA_OFFSET_BEGINNING;
    }
    auto assigned = rd_kafka_assign(consumer, assignment);
    rd_kafka_topic_partition_list_destroy(assignment);
    if (assigned != RD_KAFKA_RESP_ERR_NO_ERROR)
      throw std::runtime_error(rd_kafka_err2str(assigned));
    auto deadline = Clock::now() + std::chrono::seconds(300);
    while (received < messages && Clock::now() < deadline) {
      auto* message = rd_kafka_consumer_poll(consumer, 100);
      if (!message) continue;
      if (message->err == RD_KAFKA_RESP_ERR_NO_ERROR) ++received;
      rd_kafka_message_destroy(message);
    }
  });
  if (received < messages) {
    throw std::runtime_error("the raw consumer received " + std::to_string(received) + " of " +
                             std::to_string(messages) + " messages in 300 s");
  }
  rd_kafka_consumer_close(consumer);
  rd_kafka_destroy(consumer);
  return cost;
}

int run(int argc, char** argv) {
  std::int64_t events = 200'000;
  int partitions = 16;
  std::size_t payload_bytes = 200;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--events") events = std::atoll(argv[i + 1]);
    if (flag == "--partitions") partitions = std::atoi(argv[i + 1]);
    if (flag == "--payload-bytes")
      payload_bytes = static_cast<std::size_t>(std::atoll(argv[i + 1]));
  }
  if (events < 1 || partitions < 1)
    throw std::runtime_error("--events and --partitions must be at least 1");
  kernel::log::set_level(kernel::log::Level::warn);

  char error[512];
  auto* mock_conf = rd_kafka_conf_new();
  rd_kafka_conf_set(mock_conf, "log_level", "3", error, sizeof error);
  auto* mock_handle = rd_kafka_new(RD_KAFKA_PRODUCER, mock_conf, error, sizeof error);
  auto* cluster = rd_kafka_mock_cluster_new(mock_handle, 1);
  std::string bootstraps = rd_kafka_mock_cluster_bootstraps(cluster);
  rd_kafka_mock_topic_create(cluster, "OrderEvents", partitions, 1);
  rd_kafka_mock_topic_create(cluster, "RawEvents", partitions, 1);
  rd_kafka_mock_topic_create(cluster, "ConsumedEvents", partitions, 1);

  // An outbox of `events` rows, written in big transactions (set-up, not measured).
  auto dir =
      std::filesystem::temp_directory_path() / ("mart-bench-mirror-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  auto db = kernel::Database::open("orders", dir / "orders.db");
  kernel::apply_migrations(*db, "eventbus", mart::migrations::for_scope("eventbus"));
  eventbus::Bus bus;
  auto& orders = bus.attach("orders", db);
  std::string note(payload_bytes > 40 ? payload_bytes - 40 : 1, 'x');
  for (std::int64_t done = 0; done < events;) {
    orders.transact({"bench", ""}, [&](eventbus::Tx& tx) {
      for (int i = 0; i < 5000 && done < events; ++i, ++done) {
        tx.publish(OrderNoted{1'000'000 + done % 50'000, note});
      }
    });
  }
  std::vector<eventbus::Envelope> rows;
  db->read([&](kernel::Connection& c) {
    SQLite::Statement select(c.raw(),
                             "SELECT event_id, type, aggregate_key, occurred_ms, correlation_id, "
                             "payload FROM bus_outbox ORDER BY seq");
    while (select.executeStep()) {
      eventbus::Envelope e;
      e.id = select.getColumn(0).getString();
      e.type = select.getColumn(1).getString();
      e.key = select.getColumn(2).getString();
      e.occurred_ms = select.getColumn(3).getInt64();
      e.correlation_id = select.getColumn(4).getString();
      e.payload = select.getColumn(5).getString();
      e.source = "orders";
      rows.push_back(std::move(e));
    }
  });

  std::string raw_json;
  Cost raw;  // the fastest candidate: the mirror's baseline
  const Settings* best = nullptr;
  Cost least;  // the candidate with the least CPU per message
  const Settings* cheapest = nullptr;
  for (const auto& candidate : kRawCandidates) {
    auto cost = raw_producer(bootstraps, rows, candidate);
    std::fprintf(stderr, "raw producer, %s: %.0f/s, %.2f us of CPU each\n",
                 describe(candidate).c_str(), cost.per_s, cost.cpu_us);
    if (!raw_json.empty()) raw_json += ',';
    raw_json += "{\"settings\":\"" + describe(candidate) +
                "\",\"per_s\":" + std::to_string(std::lround(cost.per_s)) +
                ",\"cpu_us\":" + std::to_string(cost.cpu_us) + "}";
    if (cost.per_s > raw.per_s) raw = cost, best = &candidate;
    if (!cheapest || cost.cpu_us < least.cpu_us) least = cost, cheapest = &candidate;
  }
  // Messages to read back, produced with the cheapest settings to a topic of their own: no more
  // than the mock keeps (about 5 MiB per partition; a message is its key, value and ~300 B of
  // headers and framing).
  std::size_t message_bytes = rows.front().key.size() + rows.front().payload.size() + 300;
  std::size_t kept =
      std::max<std::size_t>(1, static_cast<std::size_t>(partitions) * (4u << 20) / message_bytes);
  std::vector<eventbus::Envelope> to_consume(
      rows.begin(), rows.begin() + static_cast<std::ptrdiff_t>(
                                       std::min({rows.size(), std::size_t{100'000}, kept})));
  raw_producer(bootstraps, to_consume, *cheapest, "ConsumedEvents");
  auto consumed = raw_consumer(bootstraps, "ConsumedEvents", partitions, to_consume.size());
  std::fprintf(stderr, "raw consumer: %.0f/s, %.2f us of CPU each\n", consumed.per_s,
               consumed.cpu_us);

  // The mirror as shipped, then with the best raw producer's settings as operator properties
  // (kafka.properties): what the defaults leave on the table.
  auto mirror_rate = [&](const Settings& settings) {
    db->write([](kernel::Connection& c) {
      c.exec("DELETE FROM bus_positions WHERE source = 'kafka:mirror'");  // from the start again
    });
    eventbus::kafka::KafkaOptions options;
    options.brokers = bootstraps;
    options.properties["log_level"] = "3";
    for (const auto& [k, v] : settings) options.properties[k] = v;
    eventbus::kafka::Bridge bridge(bus, {"orders"}, options);
    auto cost = measure(static_cast<std::size_t>(events), [&] {
      auto start = Clock::now();
      bridge.start();
      // mirrored_seq reads no database: the poll takes nothing from the mirror's two cores.
      while (bridge.mirrored_seq("orders") < events) {
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
        if (seconds_since(start) > 300)
          throw std::runtime_error("the mirror did not finish in 300 s");
      }
    });
    bridge.stop();
    return cost;
  };
  auto mirror = mirror_rate({});
  auto mirror_tuned = mirror_rate(*best);

  std::printf(
      "{\"events\":%lld,\"partitions\":%d,\"payload_bytes\":%zu,\"raw\":[%s],"
      "\"raw_per_s\":%.0f,\"raw_settings\":\"%s\",\"mirror_per_s\":%.0f,"
      "\"mirror_tuned_per_s\":%.0f,\"ratio\":%.3f,\"ratio_tuned\":%.3f,"
      "\"raw_cpu_us\":%.2f,\"mirror_cpu_us\":%.2f,\"consumer_per_s\":%.0f,"
      "\"consumer_cpu_us\":%.2f,\"consumer_messages\":%zu,\"least_cpu_us\":%.2f,"
      "\"least_settings\":\"%s\"}\n",
      static_cast<long long>(events), partitions, payload_bytes, raw_json.c_str(), raw.per_s,
      describe(*best).c_str(), mirror.per_s, mirror_tuned.per_s, mirror.per_s / raw.per_s,
      mirror_tuned.per_s / raw.per_s, raw.cpu_us, mirror.cpu_us, consumed.per_s, consumed.cpu_us,
      to_consume.size(), least.cpu_us, describe(*cheapest).c_str());
  db.reset();
  std::filesystem::remove_all(dir);
  rd_kafka_mock_cluster_destroy(cluster);
  rd_kafka_destroy(mock_handle);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_kafka_mirror: %s\n", e.what());
    return 1;
  }
}
