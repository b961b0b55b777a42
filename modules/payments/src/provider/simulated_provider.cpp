#include <payments/simulated_provider.hpp>

#include <charconv>
#include <optional>
#include <stdexcept>
#include <thread>

namespace payments {
namespace {

constexpr std::string_view kDeclinePrefix = "tok_decline";
constexpr std::string_view kOutagePrefix = "tok_outage_";

// N of "tok_outage_<N>s", or nullopt for any other token.
std::optional<std::int64_t> outage_seconds(std::string_view token) {
  if (!token.starts_with(kOutagePrefix) || !token.ends_with("s")) return std::nullopt;
  auto digits = token.substr(kOutagePrefix.size(), token.size() - kOutagePrefix.size() - 1);
  std::int64_t n = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
  if (ec != std::errc() || end != digits.data() + digits.size() || digits.empty()) {
    return std::nullopt;
  }
  return n;
}

}  // namespace

SimulatedProvider::SimulatedProvider(std::chrono::milliseconds latency, std::size_t remembered,
                                     const kernel::Clock* clock)
    : latency_(latency),
      remembered_(remembered == 0 ? 1 : remembered),
      clock_(clock ? clock : &system_clock_) {}

void SimulatedProvider::simulate_outage(const ChargeRequest& request) {
  auto seconds = outage_seconds(request.payment_token);
  if (!seconds) return;
  auto now = clock_->now();
  auto it = outages_.results.find(request.idempotency_key);
  if (it == outages_.results.end()) {
    remember(outages_, request.idempotency_key, now);
    it = outages_.results.find(request.idempotency_key);
  }
  if (now - it->second < std::chrono::seconds(*seconds)) {
    throw std::runtime_error("the simulated payment provider is unreachable (simulated outage)");
  }
}

template <class Result>
void SimulatedProvider::remember(Memo<Result>& memo, const std::string& key, const Result& result) {
  memo.results.emplace(key, result);
  memo.order.push_back(key);
  while (memo.order.size() > remembered_) {
    memo.results.erase(memo.order.front());
    memo.order.pop_front();
  }
}

ChargeResult SimulatedProvider::charge(const ChargeRequest& request) {
  // Slept outside the lock: concurrent callers wait side by side, as with a remote provider.
  if (latency_.count() > 0) std::this_thread::sleep_for(latency_);
  std::lock_guard lock(mutex_);
  if (auto it = charges_.results.find(request.idempotency_key); it != charges_.results.end()) {
    return it->second;
  }
  simulate_outage(request);
  ChargeResult result;
  // Derived from the key rather than a counter, so references stay unique across restarts.
  result.reference = "sim_ch_" + request.idempotency_key;
  if (request.payment_token.starts_with(kDeclinePrefix)) {
    result.decline_reason = "card_declined";
  } else {
    result.approved = true;
  }
  remember(charges_, request.idempotency_key, result);
  return result;
}

RefundResult SimulatedProvider::refund(const std::string& provider_reference,
                                       std::int64_t amount_cents, const std::string&) {
  if (latency_.count() > 0) std::this_thread::sleep_for(latency_);
  std::lock_guard lock(mutex_);
  if (auto it = refunds_.results.find(provider_reference); it != refunds_.results.end()) {
    return it->second;
  }
  RefundResult result;
  // Charges are not looked up: the memory of them is bounded and lost on restart, and a refund
  // of a charge made before a restart must still succeed.
  if (provider_reference.empty()) {
    result.refusal_reason = "unknown_charge";
  } else if (amount_cents < 0) {
    result.refusal_reason = "invalid_amount";
  } else {
    result.refunded = true;
    result.reference = "sim_re_" + provider_reference;
  }
  remember(refunds_, provider_reference, result);
  return result;
}

}  // namespace payments
