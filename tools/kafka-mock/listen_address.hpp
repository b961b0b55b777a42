// Where the mock brokers listen. librdkafka 2.0.2's mock cluster binds each broker to
// 127.0.0.1 on a port the system picks and advertises what it bound, so no client outside this
// network namespace (another container, another host) can reach it. With a listen address set,
// the brokers' binds to 127.0.0.1:0 are made to that address and to consecutive ports from the
// given one instead; the advertised address follows, since librdkafka reads it back with
// getsockname().
#pragma once

#include <netinet/in.h>

#include <string>

namespace mart::kafka_mock {

// Resolves HOST[:PORT] (HOST a name or an IPv4 address; PORT 0 or absent: the system picks) to
// one IPv4 address. Throws std::invalid_argument for a wildcard address (clients cannot connect
// to an advertised 0.0.0.0) or a name that does not resolve to IPv4.
sockaddr_in resolve_listen_address(const std::string& host_port);

// From now on, binds of AF_INET sockets to 127.0.0.1:0 go to `address` (port + n for the n-th
// such bind when the port is set). Call before the mock cluster is created.
void substitute_loopback_binds(const sockaddr_in& address);

}  // namespace mart::kafka_mock
