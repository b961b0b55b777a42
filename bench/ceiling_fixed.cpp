// Ceiling 1: bare Beast. Answers every GET with the same ~150 B JSON body (405 otherwise).
// Usage: bench_ceiling_fixed --port N --threads T

#include "ceiling_server.hpp"

#include <cstdio>
#include <exception>
#include <memory>
#include <string_view>

namespace {

constexpr std::string_view kBody =
    R"({"id":1,"name":"Product 00001","description":"A fixed answer of about one hundred and )"
    R"(fifty bytes.","price_cents":1999,"currency":"USD","sku":null,"in_stock":false})";

class FixedHandler {
 public:
  void handle(const bench::Request& req, bench::Response& res) {
    if (req.method() != bench::http::verb::get) {
      return bench::set_problem(res, bench::http::status::method_not_allowed);
    }
    bench::set_json(res, bench::http::status::ok, std::string(kBody));
  }
};

}  // namespace

int main(int argc, char** argv) {
  const bench::Options options = bench::parse_options(argc, argv, false);
  try {
    return bench::serve<FixedHandler>(options,
                                      [](std::size_t) { return std::make_unique<FixedHandler>(); });
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_ceiling_fixed: %s\n", e.what());
    return 1;
  }
}
