#pragma once
// The HTTP edge's policies, in one place, in front of the router: CORS, the general request rate
// limit, bearer-token authentication (a typed principal for handlers), login throttling per
// client address and per email, and the security headers every answer carries.

#include "gateway/principal_cache.hpp"
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

class RevocationList;

struct GatewayOptions {
  std::set<std::string> cors_origins;  // "*" allows any origin; empty: CORS off
  int login_max_failures_per_email = 5;
  int login_max_failures_per_client = 20;
  std::chrono::seconds login_window{900};
  double rate_limit_rps = 0;  // 0: the general limit is off
  double rate_limit_burst = 100;
  int registrations_per_client = 30;  // account registrations per client within the window
  std::chrono::seconds registration_window{600};
  // How long an accepted token's principal is remembered (PrincipalCache); 0: never.
  std::chrono::milliseconds principal_ttl{1000};
};

class Gateway {
 public:
  using Next = std::function<kernel::Response(kernel::Request&)>;

  // `directory` may be null (the users module is hosted elsewhere): then a valid token's claims
  // are trusted as they are, unless follow_revocations() says the token ended.
  Gateway(GatewayOptions options, const kernel::JwtCodec& tokens,
          kernel::PrincipalDirectory* directory, const kernel::Clock& clock, Next next);

  // Without a directory, the tokens ended early that this process learnt from the users module's
  // events (split mode, see RevocationList): such a token is refused. Null: none are known.
  void follow_revocations(const RevocationList* revocations) { revocations_ = revocations; }

  // A request handled in this process: every policy, then `next`.
  kernel::Response handle(kernel::Request& request);

  // A request another process answers (forwarded, or refused because its module has no
  // upstream), in two halves around the exchange. Before: the edge's own answers, decorated —
  // a CORS preflight, the general rate limit, a sign-in blocked by login throttling; nothing
  // means "send it on". The request is not authenticated here: the upstream does that.
  std::optional<kernel::Response> before_forward(kernel::Request& request);
  // After, with the upstream's answer (or the 502/504/503 in its place): counts a failed or
  // successful sign-in, adds the edge's headers (CORS, security, request id).
  void after_forward(const kernel::Request& request, kernel::Response& response);

 private:
  std::optional<kernel::Response> at_edge(const kernel::Request& request);
  std::optional<kernel::Response> authenticate(kernel::Request& request);
  std::optional<kernel::Response> login_blocked(const kernel::Request& request,
                                                const std::string& email);
  void record_login(const kernel::Request& request, const std::string& email, int status);
  kernel::Response login(kernel::Request& request);
  void decorate(const kernel::Request& request, kernel::Response& response) const;
  bool origin_allowed(std::string_view origin) const;

  GatewayOptions options_;
  const kernel::JwtCodec& tokens_;
  kernel::PrincipalDirectory* directory_;
  const RevocationList* revocations_ = nullptr;
  const kernel::Clock& clock_;
  Next next_;
  FailureLimiter login_by_email_;
  FailureLimiter login_by_client_;
  FailureLimiter registrations_;  // registration attempts per client address
  std::unique_ptr<RequestLimiter> requests_;
  PrincipalCache principals_;
};

}  // namespace mart::gateway
