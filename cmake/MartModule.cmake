# mart_add_events(<module>): the header-only published language of a module (its events.hpp).
# mart_add_module(<module> SOURCES ... CONSUMES <module>...): the module's implementation. It may
# link other modules' events targets only; its src/ is on its own include path and nobody else's.

function(mart_add_events module)
  add_library(mart_${module}_events INTERFACE)
  add_library(mart::${module}_events ALIAS mart_${module}_events)
  target_include_directories(mart_${module}_events INTERFACE ${CMAKE_CURRENT_SOURCE_DIR}/include)
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
    target_link_libraries(mart_${module} PUBLIC mart::${consumed}_events)
  endforeach()
  # A module never links another module's implementation (design.md, rule 1).
  foreach(lib IN LISTS ARG_LIBS)
    if(lib MATCHES "^mart(::|_)(products|orders|payments|inventory|notifications|users)$")
      message(FATAL_ERROR "module ${module} links ${lib}: only events targets may be shared")
    endif()
  endforeach()
endfunction()
