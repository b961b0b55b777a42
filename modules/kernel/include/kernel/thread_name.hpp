#pragma once
// Names the calling thread for operators: `top -H`, `perf`, gdb and /proc/<pid>/task/*/comm show
// it. Linux keeps at most 15 characters; a longer name is cut, never refused. Every long-lived
// thread the process starts names itself first thing (a thread otherwise inherits its creator's
// name, so every thread would read "mart").

#include <cstddef>
#include <string>
#include <string_view>

namespace kernel {

inline constexpr std::size_t kMaxThreadName = 15;

void name_this_thread(std::string_view name);

// "<prefix><n>" cut to fit, e.g. thread_name_with_number("http-io-", 1) == "http-io-1".
std::string thread_name_with_number(std::string_view prefix, std::size_t n);

// "<prefix><module>", with the one module name too long to fit shortened ("notifications" →
// "notify"), so thread_name_for_module("bus-", "notifications") == "bus-notify".
std::string thread_name_for_module(std::string_view prefix, std::string_view module);

}  // namespace kernel
