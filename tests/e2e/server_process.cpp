#include "server_process.hpp"

#include "http/client.hpp"

#include <kernel/ids.hpp>

#include <csignal>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

namespace mart::test {
namespace {

pid_t spawn(const std::vector<std::string>& args, const std::map<std::string, std::string>& env,
            const std::filesystem::path& log) {
  pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(fd, 1);
    dup2(fd, 2);
    // A clean environment with only what the test sets, so no MART_* of the caller leaks in.
    std::vector<std::string> env_text;
    env_text.emplace_back("PATH=/usr/bin:/bin");
    for (const auto& [k, v] : env) env_text.push_back(k + "=" + v);
    std::vector<char*> envp;
    for (auto& e : env_text) envp.push_back(e.data());
    envp.push_back(nullptr);
    std::vector<std::string> words = args;
    words.insert(words.begin(), MART_BINARY);
    std::vector<char*> argv;
    for (auto& w : words) argv.push_back(w.data());
    argv.push_back(nullptr);
    execve(MART_BINARY, argv.data(), envp.data());
    _exit(127);
  }
  return pid;
}

int wait_exit(pid_t pid, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    pid_t done = waitpid(pid, &status, WNOHANG);
    if (done == pid) {
      return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ::kill(pid, SIGKILL);
  waitpid(pid, &status, 0);
  throw std::runtime_error("mart did not exit in time");
}

std::string read_file(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

ServerProcess::ServerProcess(const std::filesystem::path& data_dir,
                             const std::vector<std::string>& args,
                             const std::map<std::string, std::string>& env)
    : log_(std::filesystem::temp_directory_path() /
           ("mart-e2e-" + kernel::random_hex_id() + ".log")) {
  for (int attempt = 0; attempt < 5; ++attempt) {
    port_ = free_port();
    std::vector<std::string> words = {"--port", std::to_string(port_), "--data-dir",
                                      data_dir.string()};
    words.insert(words.end(), args.begin(), args.end());
    pid_ = spawn(words, env, log_);
    // Generous: under the sanitizers on two busy cores, start-up (migrations, the admin's
    // Argon2id hash) can take several seconds.
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(45);
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        break;  // exited (port taken by someone else between probe and bind?): try again
      }
      try {
        HttpClient client(port_, std::chrono::milliseconds(500));
        if (client.get("/healthz").status == 200 && listens_on(pid_, port_)) return;
      } catch (const std::exception&) {
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
      pid_ = -1;
    }
  }
  throw std::runtime_error("mart did not become healthy; output:\n" + read_file(log_));
}

ServerProcess::~ServerProcess() {
  if (pid_ > 0) kill9();
  std::error_code ignored;
  std::filesystem::remove(log_, ignored);
}

int ServerProcess::terminate(std::chrono::milliseconds timeout) {
  ::kill(pid_, SIGTERM);
  int status = wait_exit(pid_, timeout);
  pid_ = -1;
  // The log file goes with this object: an unexpected exit shows what mart said (rare failures
  // under the sanitizers could not be told apart otherwise).
  if (status != 0) {
    std::cerr << "mart exited with " << status << "; its output:\n" << read_file(log_);
  }
  return status;
}

void ServerProcess::kill9() {
  ::kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

std::string ServerProcess::output() const {
  return read_file(log_);
}

// Another test's server may take the port between free_port()'s probe and this server's bind,
// and answer /healthz while this one is still starting (then exits, unable to bind).
bool listens_on(pid_t pid, std::uint16_t port) {
  std::set<std::string> inodes;
  std::error_code error;
  for (const auto& entry :
       std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd", error)) {
    std::error_code unreadable;
    auto target = std::filesystem::read_symlink(entry.path(), unreadable).string();
    if (target.rfind("socket:[", 0) == 0) inodes.insert(target.substr(8, target.size() - 9));
  }
  for (const char* table : {"/proc/net/tcp", "/proc/net/tcp6"}) {
    std::ifstream in(table);
    std::string line;
    std::getline(in, line);  // the header
    while (std::getline(in, line)) {
      // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode ...
      std::istringstream fields(line);
      std::string slot, local, remote, state, queues, timer, retransmits, uid, timeout, inode;
      fields >> slot >> local >> remote >> state >> queues >> timer >> retransmits >> uid >>
          timeout >> inode;
      auto colon = local.rfind(':');
      if (state != "0A" || colon == std::string::npos || !inodes.count(inode)) continue;
      if (std::stoul(local.substr(colon + 1), nullptr, 16) == port) return true;
    }
  }
  return false;
}

std::pair<int, std::string> run_mart(const std::vector<std::string>& args,
                                     const std::map<std::string, std::string>& env) {
  auto log = std::filesystem::temp_directory_path() / ("mart-run-" + kernel::random_hex_id());
  pid_t pid = spawn(args, env, log);
  int status = wait_exit(pid, std::chrono::seconds(20));
  auto text = read_file(log);
  std::filesystem::remove(log);
  return {status, text};
}

}  // namespace mart::test
