#include <kernel/log.hpp>
#include <kernel/trace.hpp>

#include <doctest/doctest.h>

#include <boost/json/parse.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

TEST_SUITE("kernel") {
  TEST_CASE("[Trace] traceparent: version 00, lower hex, non-zero ids") {
    auto ok = kernel::parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
    REQUIRE(ok);
    CHECK(ok->trace_id == "4bf92f3577b34da6a3ce929d0e0e4736");
    CHECK(ok->parent_id == "00f067aa0ba902b7");
    CHECK(ok->flags == "01");
    for (const char* bad : {
             "",
             "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",  // unknown version
             "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",  // upper case
             "00-00000000000000000000000000000000-00f067aa0ba902b7-01",  // zero trace id
             "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",  // zero parent id
             "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01",   // short
             "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0g",  // not hex
             "00_4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7_01",
         }) {
      CHECK_MESSAGE(!kernel::parse_traceparent(bad), bad);
    }
  }

  TEST_CASE("[Trace] a request keeps its client's trace or starts one; its span is its own") {
    kernel::Request kept;
    kept.headers.set("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00");
    kernel::start_trace(kept);
    CHECK(kept.trace_id == "4bf92f3577b34da6a3ce929d0e0e4736");
    CHECK(kept.trace_flags == "00");
    CHECK(kept.span_id.size() == 16);
    CHECK(kernel::traceparent_of(kept) ==
          "00-4bf92f3577b34da6a3ce929d0e0e4736-" + kept.span_id + "-00");

    kernel::Request fresh;
    fresh.headers.set("traceparent", "garbage");
    kernel::start_trace(fresh);
    CHECK(fresh.trace_id.size() == 32);
    CHECK(kernel::parse_traceparent(kernel::traceparent_of(fresh)));
  }

  TEST_CASE("[Log] JSON lines carry the scope's ids; scopes nest; text form is readable") {
    std::vector<std::string> lines;
    kernel::log::set_sink([&](std::string_view line) { lines.emplace_back(line); });
    kernel::log::set_format(kernel::log::Format::json);
    {
      kernel::log::Scope outer("req-1", "trace-1");
      kernel::log::info("orders", "outer");
      {
        kernel::log::Scope inner("req-2", "trace-2");
        kernel::log::info("orders", "inner");
      }
      kernel::log::write(kernel::log::Level::warn, "http", "fields", {},
                         {{"status", boost::json::value(200)}});
    }
    kernel::log::info("orders", "none");
    kernel::log::set_format(kernel::log::Format::text);
    {
      kernel::log::Scope scope("req-3", "trace-3");
      kernel::log::error("http", "in text", {});
    }
    kernel::log::set_format(kernel::log::Format::json);
    kernel::log::set_sink({});

    REQUIRE(lines.size() == 5);
    auto first = boost::json::parse(lines[0]).as_object();
    CHECK(first.at("msg") == "outer");
    CHECK(first.at("module") == "orders");
    CHECK(first.at("level") == "info");
    CHECK(first.at("request_id") == "req-1");
    CHECK(first.at("trace_id") == "trace-1");
    CHECK(first.contains("time"));
    CHECK(boost::json::parse(lines[1]).at("trace_id") == "trace-2");
    auto third = boost::json::parse(lines[2]).as_object();
    CHECK(third.at("trace_id") == "trace-1");
    CHECK(third.at("status") == 200);
    auto fourth = boost::json::parse(lines[3]).as_object();
    CHECK(!fourth.contains("request_id"));
    CHECK(!fourth.contains("trace_id"));
    CHECK(lines[4].find(" ERROR [http] in text request_id=req-3 trace_id=trace-3") !=
          std::string::npos);
  }

  // Issue #13, item 8: a path is the client's text; in a log line its control characters would
  // forge lines (\n) or drive the operator's terminal (ESC). Both formats escape them.
  TEST_CASE("[Log] control characters from a client never reach the log as they are") {
    std::vector<std::string> lines;
    kernel::log::set_sink([&](std::string_view line) { lines.emplace_back(line); });
    const std::string path = "/a\x1b[31mb\nFAKE 1970 INFO [http] x\r\x7f\t";
    for (auto format : {kernel::log::Format::text, kernel::log::Format::json}) {
      kernel::log::set_format(format);
      kernel::log::write(kernel::log::Level::info, "http", "GET " + path, {},
                         {{"path", boost::json::value(path)},
                          {"quoted", boost::json::value("a b\x7f\x1b")},
                          {"bare", boost::json::value("x\x1by\nz")}});
    }
    kernel::log::set_format(kernel::log::Format::json);
    kernel::log::set_sink({});

    REQUIRE(lines.size() == 2);
    for (unsigned char c : lines[0]) CHECK((c >= 0x20 && c != 0x7f));
    for (unsigned char c : lines[1]) CHECK(c >= 0x20);  // JSON needs no escape for DEL
    const auto& text = lines[0];
    CHECK(text.find("GET /a\\x1b[31mb\\nFAKE 1970 INFO [http] x\\r\\x7f\\t") != std::string::npos);
    CHECK(text.find("bare=x\\x1by\\nz") != std::string::npos);
    CHECK(text.find(R"(quoted="a b\u007f\u001b")") != std::string::npos);
    auto json = boost::json::parse(lines[1]).as_object();
    CHECK(json.at("msg").as_string() == ("GET " + path).c_str());
    CHECK(json.at("path").as_string() == path.c_str());
  }

  TEST_CASE("[Log] log_format: auto, json and text are accepted, nothing else") {
    CHECK(kernel::log::apply_format("text"));
    CHECK(kernel::log::format() == kernel::log::Format::text);
    CHECK(kernel::log::apply_format("json"));
    CHECK(kernel::log::format() == kernel::log::Format::json);
    CHECK(kernel::log::apply_format("auto"));
    CHECK(!kernel::log::apply_format("yaml"));
    kernel::log::set_format(kernel::log::Format::json);
  }
}

namespace {

// Sends this process's stdout to a file while it lives.
class StdoutToFile {
 public:
  StdoutToFile() : path_(std::filesystem::temp_directory_path() / "mart-log-test.txt") {
    std::fflush(stdout);
    saved_ = ::dup(STDOUT_FILENO);
    int file = ::open(path_.c_str(), O_CREAT | O_TRUNC | O_WRONLY, 0600);
    ::dup2(file, STDOUT_FILENO);
    ::close(file);
  }
  ~StdoutToFile() {
    std::fflush(stdout);
    ::dup2(saved_, STDOUT_FILENO);
    ::close(saved_);
    std::filesystem::remove(path_);
  }
  std::vector<std::string> lines() const {
    std::ifstream in(path_);
    std::vector<std::string> out;
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
  }

 private:
  std::filesystem::path path_;
  int saved_ = -1;
};

}  // namespace

TEST_CASE(
    "[Log] lines from many threads are all written, each thread's in order; a warning "
    "is out before its call returns") {
  StdoutToFile captured;
  constexpr int kThreads = 4;
  constexpr int kLines = 2000;
  std::vector<std::thread> writers;
  for (int t = 0; t < kThreads; ++t) {
    writers.emplace_back([t] {
      for (int i = 0; i < kLines; ++i) {
        kernel::log::decision("test", "line", "trace", {{"thread", t}, {"n", i}});
      }
    });
  }
  for (auto& writer : writers) writer.join();
  kernel::log::warn("test", "the last word");
  auto lines = captured.lines();  // no flush(): a warning takes every line before it out
  REQUIRE(lines.size() == kThreads * kLines + 1);
  CHECK(boost::json::parse(lines.back()).at("msg") == "the last word");
  std::vector<std::int64_t> next(kThreads, 0);
  for (std::size_t i = 0; i + 1 < lines.size(); ++i) {
    auto line = boost::json::parse(lines[i]);
    auto thread = line.at("thread").to_number<std::size_t>();
    CHECK(line.at("n").to_number<std::int64_t>() == next[thread]++);
  }

  kernel::log::info("test", "written soon");
  kernel::log::flush();
  CHECK(captured.lines().back().find("written soon") != std::string::npos);
}
