#pragma once
// The order in which a flow's events are shown (a timeline, the live stream, a merged timeline):
// by time, and within one time an effect after its cause. Across publishers the clock orders the
// flow (each step is caused by the one before); within one millisecond it cannot tell, causation
// can.

#include <algorithm>
#include <cstddef>
#include <iterator>

namespace eventbus {

// Orders [first, last) (random access) by `time(e)`, stably, then moves each event behind its
// cause (`cause(e) == id(other)`) among the events of the same time. A cycle of causes, which a
// sound bus never makes, stops after a bounded number of moves.
template <class It, class Time, class Id, class Cause>
void order_by_flow(It first, It last, Time time, Id id, Cause cause) {
  std::stable_sort(first, last, [&](const auto& a, const auto& b) { return time(a) < time(b); });
  for (auto group = first; group != last;) {
    auto end = std::next(group);
    while (end != last && time(*end) == time(*group)) ++end;
    const auto size = static_cast<std::size_t>(std::distance(group, end));
    for (std::size_t moves = 0, bound = size * size; size > 1 && moves < bound;) {
      bool moved = false;
      for (auto i = group; i != end && !moved; ++i) {
        auto found =
            std::find_if(std::next(i), end, [&](const auto& e) { return cause(*i) == id(e); });
        if (found != end) {
          std::rotate(i, std::next(i), std::next(found));  // the effect goes right after its cause
          moved = true;
          ++moves;
        }
      }
      if (!moved) break;
    }
    group = end;
  }
}

}  // namespace eventbus
