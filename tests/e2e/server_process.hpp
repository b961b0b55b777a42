#pragma once
// The real `mart` binary as a child process on a free loopback port with its own data directory.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <sys/types.h>

namespace mart::test {

class ServerProcess {
 public:
  // Starts `mart --port P --data-dir DIR args...` and waits until /healthz answers.
  ServerProcess(const std::filesystem::path& data_dir, const std::vector<std::string>& args = {},
                const std::map<std::string, std::string>& env = {});
  ~ServerProcess();  // SIGKILL if still running
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  std::uint16_t port() const { return port_; }
  pid_t pid() const { return pid_; }
  // SIGTERM, then waits; returns the exit status (or -signal when killed by one).
  int terminate(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  void kill9();
  std::string output() const;  // what the process wrote to stdout and stderr

 private:
  std::uint16_t port_ = 0;
  pid_t pid_ = -1;
  std::filesystem::path log_;
};

// Whether `pid` holds a listening TCP socket on `port` (from /proc). A /healthz answer alone may
// come from another test's server that took the port first.
bool listens_on(pid_t pid, std::uint16_t port);

// Runs mart to completion with the given arguments; returns {exit status, output}.
std::pair<int, std::string> run_mart(const std::vector<std::string>& args,
                                     const std::map<std::string, std::string>& env = {});

}  // namespace mart::test
