# How a module is built (the modules themselves are listed in modules/modules.cmake):
# mart_add_events(<module> [DIR <dir>]): the header-only published language of a module, its
#   events.hpp in <dir>/events/include/<module>/ (dir: modules/<module>). That include directory
#   holds nothing else, so a module that links another's events target can include its events.hpp
#   and nothing more.
# mart_add_module(<module> SOURCES ... CONSUMES <module>... LIBS ...): the module's library. Its
#   include/ (module.hpp, what the app calls) is public to the app only: no module links another
#   module's library, so another module's module.hpp or src/ header does not compile there.

function(mart_add_events module)
  cmake_parse_arguments(ARG "" "DIR" "" ${ARGN})
  if(NOT ARG_DIR)
    set(ARG_DIR ${PROJECT_SOURCE_DIR}/modules/${module})
  endif()
  add_library(mart_${module}_events INTERFACE)
  add_library(mart::${module}_events ALIAS mart_${module}_events)
  target_include_directories(mart_${module}_events INTERFACE ${ARG_DIR}/events/include)
  target_link_libraries(mart_${module}_events INTERFACE Boost::headers)
endfunction()

function(mart_add_module module)
  cmake_parse_arguments(ARG "" "" "SOURCES;CONSUMES;LIBS" ${ARGN})
  add_library(mart_${module} STATIC ${ARG_SOURCES})
  add_library(mart::${module} ALIAS mart_${module})
  target_include_directories(mart_${module} PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/include
                                            PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src)
  target_link_libraries(mart_${module} PUBLIC mart::eventbus mart::kernel mart::${module}_events
                                       PRIVATE mart::options mart::warnings ${ARG_LIBS})
  # Checked when the build is generated: a name with '::' must be a target (policy CMP0028), so
  # consuming a module that has no events target fails there.
  foreach(consumed IN LISTS ARG_CONSUMES)
    if(NOT consumed IN_LIST MART_MODULES)
      message(FATAL_ERROR "module ${module} consumes '${consumed}', which modules/modules.cmake does not list")
    endif()
    target_link_libraries(mart_${module} PUBLIC mart::${consumed}_events)
  endforeach()
  # A module never links another module's implementation (design.md, rule 1).
  list(JOIN MART_MODULES "|" names)
  foreach(lib IN LISTS ARG_LIBS)
    if(lib MATCHES "^mart(::|_)(${names})$")
      message(FATAL_ERROR "module ${module} links ${lib}: only events targets may be shared")
    endif()
  endforeach()
endfunction()
