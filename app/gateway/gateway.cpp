#include "gateway/gateway.hpp"
#include "gateway/revocation_list.hpp"

#include <kernel/problem.hpp>

#include <boost/json/parse.hpp>

#include <algorithm>
#include <cctype>

namespace mart::gateway {
namespace {

constexpr std::string_view kLoginPath = "/api/v1/auth/login";
constexpr std::string_view kRegistrationPath = "/api/v1/users";

kernel::Response too_many(std::chrono::seconds wait, std::string_view detail) {
  auto response = kernel::problem_response(429, "Too Many Requests", detail);
  response.headers.set("Retry-After", std::to_string(wait.count()));
  return response;
}

kernel::Response unauthorized(std::string_view detail) {
  auto response = kernel::problem_response(401, "Unauthorized", detail);
  response.headers.set("WWW-Authenticate", "Bearer error=\"invalid_token\"");
  return response;
}

// The email a login request names, lower-cased, or "" when the body does not say.
std::string login_email(const kernel::Request& request) {
  boost::system::error_code ec;
  auto body = boost::json::parse(request.body, ec);
  if (ec || !body.is_object()) return {};
  const auto* email = body.as_object().if_contains("email");
  if (!email || !email->is_string()) return {};
  std::string key(email->get_string());
  key.erase(std::remove_if(key.begin(), key.end(), [](unsigned char c) { return std::isspace(c); }),
            key.end());
  std::transform(key.begin(), key.end(), key.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return key;
}

bool is_login(const kernel::Request& request) {
  return request.method == "POST" && request.path == kLoginPath;
}

// Account registration: each one costs a password hash, so it is throttled per client.
bool is_registration(const kernel::Request& request) {
  return request.method == "POST" && request.path == kRegistrationPath;
}

}  // namespace

Gateway::Gateway(GatewayOptions options, const kernel::JwtCodec& tokens,
                 kernel::PrincipalDirectory* directory, const kernel::Clock& clock, Next next)
    : options_(std::move(options)),
      tokens_(tokens),
      directory_(directory),
      clock_(clock),
      next_(std::move(next)),
      login_by_email_(options_.login_max_failures_per_email, options_.login_window),
      login_by_client_(options_.login_max_failures_per_client, options_.login_window),
      registrations_(options_.registrations_per_client, options_.registration_window),
      principals_(options_.principal_ttl) {
  if (options_.rate_limit_rps > 0) {
    requests_ =
        std::make_unique<RequestLimiter>(options_.rate_limit_rps, options_.rate_limit_burst);
  }
}

bool Gateway::origin_allowed(std::string_view origin) const {
  return options_.cors_origins.count("*") || options_.cors_origins.count(std::string(origin));
}

kernel::Response Gateway::handle(kernel::Request& request) {
  kernel::Response response;
  if (auto early = at_edge(request)) {
    response = std::move(*early);
  } else if (auto refused = authenticate(request)) {
    response = std::move(*refused);
  } else if (is_login(request)) {
    response = login(request);
  } else {
    response = next_(request);
  }
  // A deferred answer is decorated when it comes; the request outlives it (Response::later).
  kernel::amend(response, [this, &request](kernel::Response& ready) { decorate(request, ready); });
  return response;
}

std::optional<kernel::Response> Gateway::before_forward(kernel::Request& request) {
  request.principal.reset();  // not authenticated here
  auto early = at_edge(request);
  if (!early && is_login(request)) early = login_blocked(request, login_email(request));
  if (early) decorate(request, *early);
  return early;
}

void Gateway::after_forward(const kernel::Request& request, kernel::Response& response) {
  if (is_login(request)) record_login(request, login_email(request), response.status);
  // The upstream marks its authenticated answers itself; a problem made here in its place must
  // not be cached either.
  if (request.header("Authorization")) response.headers.set("Cache-Control", "no-store");
  decorate(request, response);
}

// The answers the edge gives without looking further: a CORS preflight, the general rate limit.
std::optional<kernel::Response> Gateway::at_edge(const kernel::Request& request) {
  auto origin = request.header("Origin");
  if (request.method == "OPTIONS" && origin && request.header("Access-Control-Request-Method")) {
    // A CORS preflight: answered here, never by a module.
    if (!origin_allowed(*origin)) {
      return kernel::problem_response(403, "Forbidden", "This origin is not allowed.");
    }
    kernel::Response response;
    response.status = 204;
    response.headers.set("Access-Control-Allow-Methods", "GET, POST, PATCH, DELETE, OPTIONS");
    response.headers.set("Access-Control-Allow-Headers",
                         "Authorization, Content-Type, Idempotency-Key, X-Request-Id, "
                         "traceparent");
    response.headers.set("Access-Control-Max-Age", "600");
    return response;
  }
  if (auto wait =
          requests_ ? requests_->admit(request.client_address, clock_.now()) : std::nullopt) {
    return too_many(*wait, "Too many requests from this client; slow down.");
  }
  if (is_registration(request)) {
    // Every attempt counts (a 409 or a 422 too): the throttle bounds the work a client can ask
    // for, whatever comes of it.
    auto key = "client:" + request.client_address;
    if (auto wait = registrations_.blocked_for(key, clock_.now())) {
      return too_many(*wait, "Too many registrations from this client; try again later.");
    }
    registrations_.record_failure(key, clock_.now());
  }
  return std::nullopt;
}

namespace {
std::int64_t claims_now(kernel::TimePoint now) {
  return std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
}
}  // namespace

std::optional<kernel::Response> Gateway::authenticate(kernel::Request& request) {
  request.principal.reset();  // only this gateway sets it
  auto header = request.header("Authorization");
  if (!header) return std::nullopt;
  constexpr std::string_view kScheme = "Bearer ";
  if (header->size() <= kScheme.size() ||
      !std::equal(kScheme.begin(), kScheme.end(), header->begin(),
                  [](char a, char b) { return std::tolower(a) == std::tolower(b); })) {
    return unauthorized("The Authorization header must be 'Bearer <token>'.");
  }
  auto token = std::string_view(*header).substr(kScheme.size());
  auto now = clock_.now();
  if (auto known = principals_.find(token, now)) {
    request.principal = *known;
    return std::nullopt;
  }
  kernel::TokenError error{};
  auto claims = tokens_.verify(
      token, std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count(),
      &error);
  if (!claims)
    return unauthorized(std::string("Invalid token: ") + std::string(kernel::describe(error)) +
                        ".");
  kernel::Principal principal{claims->user_id, claims->role, claims->generation};
  if (directory_) {
    auto current = directory_->find(claims->user_id);
    if (!current) return unauthorized("Invalid token: its account no longer exists.");
    // A password change, a promotion or a demotion raised the account's generation since this
    // token was signed; a logout revoked this token's id.
    if (current->token_generation != claims->generation ||
        (!claims->token_id.empty() && directory_->revoked(claims->token_id))) {
      return unauthorized("Invalid token: it has been revoked; sign in again.");
    }
    principal = *current;  // the role as it is now, not as it was at sign-in
  } else if (revocations_ && revocations_->ends(claims->user_id, claims->generation,
                                                claims->token_id, claims_now(now))) {
    return unauthorized("Invalid token: it has been revoked; sign in again.");
  }
  principals_.remember(token, principal, claims->expires_at, now);
  request.principal = principal;
  return std::nullopt;
}

std::optional<kernel::Response> Gateway::login_blocked(const kernel::Request& request,
                                                       const std::string& email) {
  auto now = clock_.now();
  if (auto wait = login_by_client_.blocked_for("client:" + request.client_address, now)) {
    return too_many(*wait, "Too many failed sign-ins from this client; try again later.");
  }
  if (!email.empty()) {
    if (auto wait = login_by_email_.blocked_for("email:" + email, now)) {
      return too_many(*wait, "Too many failed sign-ins for this account; try again later.");
    }
  }
  return std::nullopt;
}

void Gateway::record_login(const kernel::Request& request, const std::string& email, int status) {
  auto now = clock_.now();
  if (status == 401) {
    login_by_client_.record_failure("client:" + request.client_address, now);
    if (!email.empty()) login_by_email_.record_failure("email:" + email, now);
  } else if (status == 200 && !email.empty()) {
    login_by_email_.reset("email:" + email);
  }
}

kernel::Response Gateway::login(kernel::Request& request) {
  auto email = login_email(request);
  if (auto blocked = login_blocked(request, email)) return std::move(*blocked);
  auto response = next_(request);
  // The password check answers later (off the I/O thread): count it by its final status.
  kernel::amend(response, [this, &request, email](kernel::Response& ready) {
    record_login(request, email, ready.status);
  });
  return response;
}

void Gateway::decorate(const kernel::Request& request, kernel::Response& response) const {
  response.headers.set("X-Content-Type-Options", "nosniff");
  if (request.principal || request.path == kLoginPath) {
    response.headers.set("Cache-Control", "no-store");
  }
  if (auto origin = request.header("Origin"); origin && origin_allowed(*origin)) {
    response.headers.set("Access-Control-Allow-Origin", std::string(*origin));
    response.headers.set("Vary", "Origin");
    response.headers.set("Access-Control-Expose-Headers", "Location, X-Request-Id, Retry-After");
  }
  if (!request.request_id.empty()) response.headers.set("X-Request-Id", request.request_id);
}

}  // namespace mart::gateway
