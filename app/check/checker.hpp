#pragma once
// The invariant checker of `mart check`, also called in process by tests (the crash and chaos
// tests, backup and restore): one consistent cut of a data directory's module databases, then
// every invariant of shared/design.md that the databases present let it check.

#include "invariant_report.hpp"

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace mart::check {

class ConsistentCut;

struct CheckOptions {
  // The modules whose databases must be there (a missing one is the breach module_missing);
  // empty: every module of this build. A split deployment's data dir holds only its own.
  std::vector<std::string> modules;
  std::chrono::seconds stuck_after{60};  // orders.stuck_after
  // The instant stuck orders are measured at; unset: now. A restored backup is checked as of
  // when it was taken (its orders in flight then were not stuck then).
  std::optional<std::chrono::system_clock::time_point> as_of;
  int lock_timeout_ms = 10000;
};

Report check_data_dir(const std::filesystem::path& data_dir, const CheckOptions& options = {});

// The checks on a cut already taken (backup checks what it copies from the same cut).
Report check_cut(const ConsistentCut& cut, const CheckOptions& options);

}  // namespace mart::check
