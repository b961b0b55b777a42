// An open-loop HTTP load generator (issue #18): requests are due at a fixed arrival rate whatever
// the server does, and each one's latency is measured from the time it was due, not from when a
// connection was free to send it. A server that stalls for a second therefore shows a second of
// latency for every request due in that second (wrk's closed loop shows it for one request per
// connection: coordinated omission). As wrk2 does.
//
//   bench_open_loop --port P --rate R --duration S [--warmup S] [--connections C] [--threads T]
//                   [--method GET|POST] [--path TEMPLATE] [--body TEMPLATE] [--ids FILE]
//                   [--tokens FILE] [--expect STATUS] [--send-buffer BYTES]
//
// TEMPLATE may hold {id}: a random line of --ids for each request; a --body of @FILE is that
// file's text. --tokens: one bearer token a line, connection i sends as token i (mod their
// number). --send-buffer sets each socket's send buffer (validate.sh makes it small so that big
// requests go out in parts). Keep-alive HTTP/1.1 to 127.0.0.1.
// Prints one JSON line: what was sent and answered, and the latency percentiles in µs from the
// due time ("latency_us") and from the send ("service_us").

#include "latency_histogram.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <fstream>
#include <iterator>
#include <memory>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using Clock = std::chrono::steady_clock;
using tcp = asio::ip::tcp;

struct Options {
  unsigned short port = 0;
  double rate = 1000;
  double duration_s = 10;
  double warmup_s = 2;
  int connections = 64;
  int threads = 1;  // at 17,800/s a second thread cost 45 µs per request against 33 (wake-ups)
  std::string method = "GET";
  std::string path = "/";
  std::string body;
  std::vector<std::string> ids;
  std::vector<std::string> tokens;
  unsigned expect = 0;  // 0: any 2xx
  int send_buffer = 0;  // bytes; 0: the system's
};

std::string text_of(const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + file);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::vector<std::string> lines_of(const std::string& file) {
  std::ifstream in(file);
  if (!in) throw std::runtime_error("cannot read " + file);
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) out.push_back(line);
  }
  if (out.empty()) throw std::runtime_error(file + " is empty");
  return out;
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    if (i + 1 >= argc) throw std::runtime_error(flag + " needs a value");
    std::string value = argv[++i];
    if (flag == "--port") {
      o.port = static_cast<unsigned short>(std::stoi(value));
    } else if (flag == "--rate") {
      o.rate = std::stod(value);
    } else if (flag == "--duration") {
      o.duration_s = std::stod(value);
    } else if (flag == "--warmup") {
      o.warmup_s = std::stod(value);
    } else if (flag == "--connections") {
      o.connections = std::stoi(value);
    } else if (flag == "--threads") {
      o.threads = std::stoi(value);
    } else if (flag == "--method") {
      o.method = value;
    } else if (flag == "--path") {
      o.path = value;
    } else if (flag == "--body") {
      o.body = value.starts_with('@') ? text_of(value.substr(1)) : value;
    } else if (flag == "--ids") {
      o.ids = lines_of(value);
    } else if (flag == "--tokens") {
      o.tokens = lines_of(value);
    } else if (flag == "--expect") {
      o.expect = static_cast<unsigned>(std::stoi(value));
    } else if (flag == "--send-buffer") {
      o.send_buffer = std::stoi(value);
    } else {
      throw std::runtime_error("unknown option " + flag);
    }
  }
  if (o.port == 0 || o.rate <= 0 || o.duration_s <= 0 || o.connections < 1 || o.threads < 1) {
    throw std::runtime_error("--port, --rate and --duration are required and positive");
  }
  o.threads = std::min(o.threads, o.connections);
  return o;
}

struct Results {
  bench::LatencyHistogram latency;  // from the due time
  bench::LatencyHistogram service;  // from the send
  std::uint64_t sent = 0;
  std::uint64_t answered = 0;
  std::uint64_t unexpected = 0;     // answered with a status not asked for
  std::uint64_t failed = 0;         // connection errors
  std::uint64_t unfinished = 0;     // due before the end, not answered by the deadline
  std::uint64_t partial_sends = 0;  // requests the first send did not take whole
};

// One thread's share: `connections` connections, requests due every `interval` from `first`.
class Worker {
 public:
  Worker(const Options& options, int index, int connections)
      : options_(options),
        index_(index),
        timer_(io_),
        random_(static_cast<unsigned>(index) * 7919 + 17),
        interval_(std::chrono::duration_cast<Clock::duration>(
            std::chrono::duration<double>(options.threads / options.rate))) {
    for (int c = 0; c < connections; ++c) {
      auto connection = std::make_unique<Connection>(io_);
      if (!options_.tokens.empty()) {
        auto token = options_.tokens[static_cast<std::size_t>(index + c * options.threads) %
                                     options_.tokens.size()];
        connection->authorization = "Authorization: Bearer " + token + "\r\n";
      }
      connections_.push_back(std::move(connection));
    }
  }

  void run(Clock::time_point start) {
    // Threads' schedules interleave: thread k's requests are due k/rate after thread 0's.
    next_due_ = start + std::chrono::duration_cast<Clock::duration>(
                            std::chrono::duration<double>(index_ / options_.rate));
    record_from_ = start + seconds(options_.warmup_s);
    stop_at_ = record_from_ + seconds(options_.duration_s);
    for (auto& connection : connections_) connect(*connection);
    schedule();
    io_.run();
  }

  const Results& results() const { return results_; }

 private:
  // A plain socket and Beast's parser fed by hand: per request one send, one wait for the answer
  // and one receive. Beast's composed read cost a speculative receive (EAGAIN) and more handler
  // allocations per operation; on two CPUs shared with the server, the generator's own cost per
  // request is part of every latency it measures.
  struct Connection {
    explicit Connection(asio::io_context& io) : socket(io) {}
    tcp::socket socket;
    std::string request;
    std::string authorization;  // the header line, or empty
    beast::flat_buffer input;
    std::optional<http::response_parser<http::string_body>> parser;
    bool open = false;
    bool busy = false;
    Clock::time_point due;
    Clock::time_point sent;
  };

  static Clock::duration seconds(double s) {
    return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(s));
  }

  std::string fill(const std::string& text) {
    auto at = text.find("{id}");
    if (at == std::string::npos || options_.ids.empty()) return text;
    std::uniform_int_distribution<std::size_t> pick(0, options_.ids.size() - 1);
    return text.substr(0, at) + options_.ids[pick(random_)] + text.substr(at + 4);
  }

  void connect(Connection& c) {
    c.open = false;
    c.socket.async_connect(
        tcp::endpoint(asio::ip::address_v4::loopback(), options_.port),
        [this, &c](beast::error_code error) {
          if (error) {
            ++results_.failed;
            retry_connect(c);
            return;
          }
          c.socket.set_option(tcp::no_delay(true));
          if (options_.send_buffer > 0) {
            c.socket.set_option(asio::socket_base::send_buffer_size(options_.send_buffer));
          }
          c.socket.non_blocking(true);
          c.input.clear();
          c.open = true;
          dispatch();
        });
  }

  void retry_connect(Connection& c) {
    auto timer = std::make_shared<asio::steady_timer>(io_, std::chrono::milliseconds(100));
    timer->async_wait([this, &c, timer](beast::error_code) {
      if (!finished()) connect(c);
    });
  }

  bool finished() const { return done_ && queue_.empty() && in_flight_ == 0; }

  // Puts every request due by now on the queue, then waits for the next one's time.
  void schedule() {
    auto now = Clock::now();
    while (next_due_ <= now && next_due_ < stop_at_) {
      queue_.push_back(next_due_);
      next_due_ += interval_;
    }
    dispatch();
    if (next_due_ >= stop_at_) {
      done_ = true;
      // What is still queued or in flight gets a while to finish, then counts as unfinished.
      timer_.expires_at(stop_at_ + std::chrono::seconds(10));
      timer_.async_wait([this](beast::error_code error) {
        if (error) return;
        for (auto due : queue_) {
          if (due >= record_from_) ++results_.unfinished;
        }
        queue_.clear();
        for (auto& connection : connections_) {
          if (connection->busy && connection->due >= record_from_) ++results_.unfinished;
          beast::error_code ignored;
          connection->socket.close(ignored);
        }
        io_.stop();
      });
      return;
    }
    timer_.expires_at(next_due_);
    timer_.async_wait([this](beast::error_code error) {
      if (!error) schedule();
    });
  }

  // Hands what is due to free connections in turn, from where the last hand-out stopped: always
  // starting from the first left the last ones unused at low rates, long enough for the server
  // to close them as idle (a request sent on one then failed).
  void dispatch() {
    for (std::size_t looked = 0; looked < connections_.size() && !queue_.empty(); ++looked) {
      auto& connection = *connections_[next_connection_];
      next_connection_ = (next_connection_ + 1) % connections_.size();
      if (!connection.open || connection.busy) continue;
      auto due = queue_.front();
      queue_.pop_front();
      send(connection, due);
    }
    if (finished()) {
      timer_.cancel();
      io_.stop();
    }
  }

  void send(Connection& c, Clock::time_point due) {
    c.busy = true;
    c.due = due;
    ++in_flight_;
    c.request.clear();
    c.request.append(options_.method).append(" ").append(fill(options_.path));
    c.request.append(" HTTP/1.1\r\nHost: 127.0.0.1\r\n").append(c.authorization);
    if (!options_.body.empty()) {
      auto body = fill(options_.body);
      c.request.append("Content-Type: application/json\r\nContent-Length: ")
          .append(std::to_string(body.size()))
          .append("\r\n\r\n")
          .append(body);
    } else {
      c.request.append("\r\n");
    }
    c.parser.emplace();
    c.parser->eager(true);
    c.sent = Clock::now();
    ++results_.sent;
    // Sent at once when the socket's buffer has room (a request is small); the rest, if any,
    // when it has.
    beast::error_code error;
    auto written = c.socket.write_some(asio::buffer(c.request), error);
    if (error && error != asio::error::would_block) return fail(c);
    if (written == c.request.size()) return await_answer(c);
    ++results_.partial_sends;
    asio::async_write(c.socket,
                      asio::buffer(c.request.data() + written, c.request.size() - written),
                      [this, &c](beast::error_code e, std::size_t) {
                        if (e) return fail(c);
                        await_answer(c);
                      });
  }

  void await_answer(Connection& c) {
    c.socket.async_wait(tcp::socket::wait_read, [this, &c](beast::error_code error) {
      if (error) return fail(c);
      read_answer(c);
    });
  }

  // Reads what is there and parses it; waits again until the answer is whole.
  void read_answer(Connection& c) {
    for (;;) {
      beast::error_code error;
      auto got = c.socket.read_some(c.input.prepare(16384), error);
      if (error == asio::error::would_block) return await_answer(c);
      if (error == asio::error::eof) {
        c.parser->put_eof(error);  // an answer without a length ends with the connection
        return !error && c.parser->is_done() ? answered(c) : fail(c);
      }
      if (error) return fail(c);
      c.input.commit(got);
      while (c.input.size() > 0 && !c.parser->is_done()) {
        auto used = c.parser->put(c.input.data(), error);
        c.input.consume(used);
        if (error == http::error::need_more) break;
        if (error) return fail(c);
      }
      if (c.parser->is_done()) return answered(c);
    }
  }

  void answered(Connection& c) {
    auto now = Clock::now();
    const auto& response = c.parser->get();
    if (c.due >= record_from_) {
      results_.latency.record(
          std::chrono::duration_cast<std::chrono::microseconds>(now - c.due).count());
      results_.service.record(
          std::chrono::duration_cast<std::chrono::microseconds>(now - c.sent).count());
      ++results_.answered;
      auto status = response.result_int();
      bool expected = options_.expect ? status == options_.expect : status / 100 == 2;
      if (!expected) ++results_.unexpected;
    }
    c.busy = false;
    --in_flight_;
    if (!response.keep_alive()) {
      beast::error_code ignored;
      c.socket.close(ignored);
      connect(c);
      return;
    }
    dispatch();
  }

  void fail(Connection& c) {
    ++results_.failed;
    c.busy = false;
    --in_flight_;
    beast::error_code ignored;
    c.socket.close(ignored);
    if (!finished()) connect(c);
  }

  const Options& options_;
  int index_;
  asio::io_context io_;
  asio::steady_timer timer_;
  std::mt19937_64 random_;
  Clock::duration interval_;
  std::vector<std::unique_ptr<Connection>> connections_;
  std::deque<Clock::time_point> queue_;
  std::size_t next_connection_ = 0;  // where dispatch() looks first
  Clock::time_point next_due_;
  Clock::time_point record_from_;
  Clock::time_point stop_at_;
  int in_flight_ = 0;
  bool done_ = false;
  Results results_;
};

std::string percentiles(const bench::LatencyHistogram& h) {
  char text[200];
  std::snprintf(text, sizeof text, R"({"p50":%lld,"p90":%lld,"p99":%lld,"p99_9":%lld,"max":%lld})",
                static_cast<long long>(h.percentile(0.50)),
                static_cast<long long>(h.percentile(0.90)),
                static_cast<long long>(h.percentile(0.99)),
                static_cast<long long>(h.percentile(0.999)), static_cast<long long>(h.max()));
  return text;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  try {
    options = parse(argc, argv);
  } catch (const std::exception& error) {
    std::fprintf(stderr, "bench_open_loop: %s\n", error.what());
    return 2;
  }
  std::vector<std::unique_ptr<Worker>> workers;
  for (int t = 0; t < options.threads; ++t) {
    int share = options.connections / options.threads + (t < options.connections % options.threads);
    workers.push_back(std::make_unique<Worker>(options, t, share));
  }
  auto start = Clock::now() + std::chrono::milliseconds(200);  // time to connect first
  std::vector<std::thread> threads;
  for (auto& worker : workers) threads.emplace_back([&worker, start] { worker->run(start); });
  for (auto& thread : threads) thread.join();

  Results all;
  for (const auto& worker : workers) {
    const auto& r = worker->results();
    all.latency.merge(r.latency);
    all.service.merge(r.service);
    all.sent += r.sent;
    all.answered += r.answered;
    all.unexpected += r.unexpected;
    all.failed += r.failed;
    all.unfinished += r.unfinished;
    all.partial_sends += r.partial_sends;
  }
  std::printf(R"({"rate":%.0f,"duration_s":%.1f,"connections":%d,"answered":%llu,)"
              R"("answered_per_s":%.0f,"unexpected_status":%llu,"connection_errors":%llu,)"
              R"("unfinished":%llu,"partial_sends":%llu,"latency_us":%s,"service_us":%s})"
              "\n",
              options.rate, options.duration_s, options.connections,
              static_cast<unsigned long long>(all.answered),
              static_cast<double>(all.answered) / options.duration_s,
              static_cast<unsigned long long>(all.unexpected),
              static_cast<unsigned long long>(all.failed),
              static_cast<unsigned long long>(all.unfinished),
              static_cast<unsigned long long>(all.partial_sends), percentiles(all.latency).c_str(),
              percentiles(all.service).c_str());
  return 0;
}
