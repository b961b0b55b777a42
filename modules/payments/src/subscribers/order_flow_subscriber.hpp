#pragma once
// The one subscriber name under which payments reacts to orders' events.
//
// Both reactions (charge on PaymentRequested, refund on OrderCancelled) share it on purpose: the
// bus keeps per-key order per subscriber, so under one name an order's cancellation waits behind
// its payment request while that request is being retried (a provider outage), and then refunds
// what the retried charge took. Under two names the cancel would overtake the request.

namespace payments::subscribers {

inline constexpr const char* kOrderFlowSubscriber = "payments.on_order_flow";

}  // namespace payments::subscribers
