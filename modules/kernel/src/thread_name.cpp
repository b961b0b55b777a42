#include "kernel/thread_name.hpp"

#include <pthread.h>

#include <string>

namespace kernel {

void name_this_thread(std::string_view name) {
  const std::string cut(name.substr(0, kMaxThreadName));
  // Fails only for a name too long, which the cut rules out; a name is a courtesy, so ignored.
  (void)pthread_setname_np(pthread_self(), cut.c_str());
}

std::string thread_name_with_number(std::string_view prefix, std::size_t n) {
  const auto number = std::to_string(n);
  const auto room = kMaxThreadName > number.size() ? kMaxThreadName - number.size() : 0;
  return std::string(prefix.substr(0, room)) + number;
}

std::string thread_name_for_module(std::string_view prefix, std::string_view module) {
  if (module == "notifications") module = "notify";
  auto name = std::string(prefix) + std::string(module);
  return name.substr(0, kMaxThreadName);
}

}  // namespace kernel
