// mart-kafka-mock --listen: the brokers listen on, and advertise, an address other than
// 127.0.0.1 (what lets mart containers reach the mock broker's container by its name in
// `make test-deploy`). 127.0.0.2 stands in for another host's address: it is not the address
// librdkafka would have chosen, so a client that reaches it followed the advertised one.

#include "broker_process.hpp"

#include <doctest/doctest.h>

#include <cstdlib>
#include <string>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace mart::test;

namespace {

std::uint16_t free_port_on(const char* address) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in in{};
  in.sin_family = AF_INET;
  inet_pton(AF_INET, address, &in.sin_addr);
  REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&in), sizeof in) == 0);
  socklen_t length = sizeof in;
  getsockname(fd, reinterpret_cast<sockaddr*>(&in), &length);
  close(fd);
  return ntohs(in.sin_port);
}

}  // namespace

TEST_CASE("the mock broker listens on and advertises the address --listen names") {
  const std::string address = "127.0.0.2:" + std::to_string(free_port_on("127.0.0.2"));
  BrokerProcess broker(MART_KAFKA_MOCK, 2, {"--listen", address});
  CHECK(broker.bootstrap() == address);

  // The metadata a client gets names the same address, and a produce and a consume through it
  // work.
  const auto metadata = run_kcat("-L -b " + address);
  CHECK(metadata.find("broker 1 at " + address) != std::string::npos);
  REQUIRE(std::system(
              ("echo listened | kcat -P -b " + address + " -t OrderEvents -p 0 2>&1").c_str()) ==
          0);
  CHECK(run_kcat("-C -b " + address + " -t OrderEvents -p 0 -o beginning -e -q") == "listened\n");
}

TEST_CASE("--listen refuses an address clients cannot connect to") {
  const std::string mock = MART_KAFKA_MOCK;
  CHECK(WEXITSTATUS(std::system((mock + " --listen 0.0.0.0:9092 2>/dev/null").c_str())) == 2);
  CHECK(WEXITSTATUS(std::system((mock + " --listen 127.0.0.1:99999 2>/dev/null").c_str())) == 2);
}
