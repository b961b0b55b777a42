#include "broker_process.hpp"

#include <kernel/ids.hpp>

#include <array>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <thread>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

namespace mart::test {

BrokerProcess::BrokerProcess(const std::string& binary, int partitions,
                             const std::vector<std::string>& extra)
    : dir_(std::filesystem::temp_directory_path() / ("mart-broker-" + kernel::random_hex_id())) {
  std::filesystem::create_directories(dir_);
  auto bootstrap_file = dir_ / "bootstrap";
  auto log = dir_ / "broker.log";
  pid_ = fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(fd, 1);
    dup2(fd, 2);
    std::vector<std::string> args{binary, "--bootstrap-file", bootstrap_file.string(),
                                  "--partitions", std::to_string(partitions)};
    args.insert(args.end(), extra.begin(), extra.end());
    std::vector<char*> argv;
    for (auto& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    execv(binary.c_str(), argv.data());
    _exit(127);
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    std::ifstream in(bootstrap_file);
    std::string line;
    if (in && std::getline(in, line) && !line.empty()) {
      bootstrap_ = line.starts_with("bootstrap=") ? line.substr(10) : line;
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ::kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
  throw std::runtime_error("the mock broker did not start");
}

BrokerProcess::~BrokerProcess() {
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    for (int i = 0; i < 200; ++i) {
      if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
        pid_ = -1;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

void BrokerProcess::set_down(bool down) {
  ::kill(pid_, down ? SIGUSR1 : SIGUSR2);
}

std::string run_kcat(const std::string& arguments) {
  std::string command = "kcat " + arguments + " 2>/dev/null";
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), pclose);
  if (!pipe) throw std::runtime_error("cannot run kcat");
  std::string out;
  std::array<char, 4096> buffer{};
  while (auto n = fread(buffer.data(), 1, buffer.size(), pipe.get())) out.append(buffer.data(), n);
  return out;
}

}  // namespace mart::test
