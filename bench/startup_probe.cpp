// Measures start-up to ready: forks and execs a server, then polls GET <path> on 127.0.0.1:<port>
// every 1 ms (a fresh connection per poll; a refused connect costs a few microseconds) until the
// answer's status is 200. Prints the milliseconds from just before fork() to that answer, then
// stops the server (SIGTERM, SIGKILL after 5 s) and reaps it.
// Exit status: 0 measured, 1 the server exited, the timeout passed or SIGINT/SIGTERM came first,
// 2 usage.
//
// Usage: bench_startup_probe --port N [--path /readyz] [--timeout-ms 5000] [--log FILE]
//                            -- COMMAND [ARG...]

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <charconv>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

volatile std::sig_atomic_t g_stop_requested = 0;  // SIGINT/SIGTERM: stop the server and leave
extern "C" void on_stop_signal(int) {
  g_stop_requested = 1;
}

struct Options {
  unsigned short port = 0;
  std::string path = "/readyz";
  long timeout_ms = 5000;
  std::string log = "/dev/null";
  std::vector<char*> command;
};

[[noreturn]] void usage() {
  std::fprintf(stderr,
               "usage: bench_startup_probe --port N [--path /readyz] [--timeout-ms 5000] "
               "[--log FILE] -- COMMAND [ARG...]\n");
  std::exit(2);
}

long to_number(std::string_view text) {
  long value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || value < 0) usage();
  return value;
}

Options parse(int argc, char** argv) {
  Options options;
  int i = 1;
  for (; i < argc; ++i) {
    const std::string_view flag = argv[i];
    if (flag == "--") break;
    if (i + 1 >= argc) usage();
    const std::string_view value = argv[++i];
    if (flag == "--port") {
      const long port = to_number(value);
      if (port < 1 || port > 65535) usage();
      options.port = static_cast<unsigned short>(port);
    } else if (flag == "--path") {
      options.path = value;
    } else if (flag == "--timeout-ms") {
      options.timeout_ms = to_number(value);
    } else if (flag == "--log") {
      options.log = value;
    } else {
      usage();
    }
  }
  for (++i; i < argc; ++i) options.command.push_back(argv[i]);
  if (options.port == 0 || options.command.empty()) usage();
  options.command.push_back(nullptr);
  return options;
}

// One poll: true when GET <path> answered with status 200.
bool answers_200(unsigned short port, const std::string& request) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  timeval timeout{1, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = false;
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0 &&
      ::send(fd, request.data(), request.size(), MSG_NOSIGNAL) ==
          static_cast<ssize_t>(request.size())) {
    char buffer[64];
    std::size_t have = 0;
    while (have < 12) {  // "HTTP/1.1 200"
      const ssize_t n = ::recv(fd, buffer + have, sizeof buffer - have, 0);
      if (n <= 0) break;
      have += static_cast<std::size_t>(n);
    }
    ok = have >= 12 && std::string_view(buffer, 12).substr(8) == " 200";
  }
  ::close(fd);
  return ok;
}

void stop(pid_t child) {
  ::kill(child, SIGTERM);
  const auto deadline = Clock::now() + std::chrono::seconds(5);
  while (Clock::now() < deadline) {
    if (::waitpid(child, nullptr, WNOHANG) == child) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
}

}  // namespace

int main(int argc, char** argv) {
  const Options options = parse(argc, argv);
  const std::string request =
      "GET " + options.path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
  const int log = ::open(options.log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log < 0) {
    std::perror(options.log.c_str());
    return 2;
  }

  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  ::sigemptyset(&action.sa_mask);
  ::sigaction(SIGINT, &action, nullptr);
  ::sigaction(SIGTERM, &action, nullptr);

  const auto start = Clock::now();
  const pid_t child = ::fork();
  if (child < 0) {
    std::perror("fork");
    return 2;
  }
  if (child == 0) {
    ::signal(SIGINT, SIG_DFL);
    ::signal(SIGTERM, SIG_DFL);
    ::dup2(log, STDOUT_FILENO);
    ::dup2(log, STDERR_FILENO);
    ::execvp(options.command[0], options.command.data());
    std::perror(options.command[0]);
    ::_exit(127);
  }
  ::close(log);

  const auto deadline = start + std::chrono::milliseconds(options.timeout_ms);
  while (true) {
    if (g_stop_requested != 0) {
      stop(child);
      return 1;
    }
    if (answers_200(options.port, request)) {
      const std::chrono::duration<double, std::milli> elapsed = Clock::now() - start;
      std::printf("%.2f\n", elapsed.count());
      stop(child);
      return 0;
    }
    int status = 0;
    if (::waitpid(child, &status, WNOHANG) == child) {
      std::fprintf(stderr, "bench_startup_probe: the server exited before it was ready\n");
      return 1;
    }
    if (Clock::now() >= deadline) {
      std::fprintf(stderr, "bench_startup_probe: not ready after %ld ms\n", options.timeout_ms);
      stop(child);
      return 1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}
