#pragma once
// Names the calling thread for operators: `top -H`, `perf`, gdb and /proc/<pid>/task/*/comm
// show it. Linux keeps 15 bytes; a longer name is cut.

#include <string_view>

namespace kernel {

void name_this_thread(std::string_view name);

}  // namespace kernel
