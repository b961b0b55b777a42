# Interface targets every Mart target links PRIVATE: warnings and shared options.
add_library(mart_warnings INTERFACE)
add_library(mart::warnings ALIAS mart_warnings)
target_compile_options(mart_warnings INTERFACE -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
                                               -Wold-style-cast -Wcast-align -Wunused -Woverloaded-virtual
                                               -Wdouble-promotion -Wformat=2)

add_library(mart_options INTERFACE)
add_library(mart::options ALIAS mart_options)
target_compile_features(mart_options INTERFACE cxx_std_20)
# Boost.JSON/Describe/URL are compiled libraries in Debian's 1.81 packages; no header-only mode.
target_compile_definitions(mart_options INTERFACE BOOST_ASIO_NO_DEPRECATED)

option(MART_SANITIZE "Build with AddressSanitizer + UndefinedBehaviorSanitizer" OFF)
if(MART_SANITIZE)
  target_compile_options(mart_options INTERFACE -fsanitize=address,undefined -fno-omit-frame-pointer
                                                -fno-sanitize-recover=undefined)
  target_link_options(mart_options INTERFACE -fsanitize=address,undefined)
endif()

find_program(CCACHE_PROGRAM ccache)
if(CCACHE_PROGRAM)
  set(CMAKE_CXX_COMPILER_LAUNCHER "${CCACHE_PROGRAM}")
endif()
