#pragma once
// The mock Kafka broker (tools/kafka-mock, librdkafka's mock cluster on a loopback port) as a
// child process, for end-to-end tests of mirror and split mode.

#include <filesystem>
#include <string>
#include <vector>

#include <sys/types.h>

namespace mart::test {

class BrokerProcess {
 public:
  // Starts `binary --bootstrap-file F --partitions N [extra...]` and waits for its bootstrap
  // address.
  explicit BrokerProcess(const std::string& binary, int partitions = 8,
                         const std::vector<std::string>& extra = {});
  ~BrokerProcess();  // SIGTERM, then SIGKILL
  BrokerProcess(const BrokerProcess&) = delete;
  BrokerProcess& operator=(const BrokerProcess&) = delete;

  const std::string& bootstrap() const { return bootstrap_; }
  void set_down(bool down);  // SIGUSR1 takes every broker down, SIGUSR2 brings them back

 private:
  pid_t pid_ = -1;
  std::filesystem::path dir_;
  std::string bootstrap_;
};

// Runs `kcat` with the given arguments and returns its standard output.
std::string run_kcat(const std::string& arguments);

}  // namespace mart::test
