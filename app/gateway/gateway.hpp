#pragma once
// The HTTP edge's policies, in one place, in front of the router: CORS, the general request rate
// limit, bearer-token authentication (a typed principal for handlers), login throttling per
// client address and per email, and the security headers every answer carries.

#include "gateway/rate_limiter.hpp"

#include <kernel/auth.hpp>
#include <kernel/http.hpp>
#include <kernel/jwt.hpp>
#include <kernel/time.hpp>

#include <functional>
#include <memory>
#include <set>
#include <string>

namespace mart::gateway {

struct GatewayOptions {
  std::set<std::string> cors_origins;  // "*" allows any origin; empty: CORS off
  int login_max_failures_per_email = 5;
  int login_max_failures_per_client = 20;
  std::chrono::seconds login_window{900};
  double rate_limit_rps = 0;  // 0: the general limit is off
  double rate_limit_burst = 100;
};

class Gateway {
 public:
  using Next = std::function<kernel::Response(kernel::Request&)>;

  // `directory` may be null (the users module is hosted elsewhere): then a valid token's claims
  // are trusted as they are.
  Gateway(GatewayOptions options, const kernel::JwtCodec& tokens,
          kernel::PrincipalDirectory* directory, const kernel::Clock& clock, Next next);

  kernel::Response handle(kernel::Request& request);

 private:
  std::optional<kernel::Response> authenticate(kernel::Request& request);
  kernel::Response login(kernel::Request& request);
  void decorate(const kernel::Request& request, kernel::Response& response) const;
  bool origin_allowed(std::string_view origin) const;

  GatewayOptions options_;
  const kernel::JwtCodec& tokens_;
  kernel::PrincipalDirectory* directory_;
  const kernel::Clock& clock_;
  Next next_;
  FailureLimiter login_by_email_;
  FailureLimiter login_by_client_;
  std::unique_ptr<RequestLimiter> requests_;
};

}  // namespace mart::gateway
