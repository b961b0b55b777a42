cmake_policy(VERSION 3.25)
# Scans the #include lines under modules/ and reports every breach of design.md's boundary rules:
#  - a module includes another module's header other than <other>/events.hpp;
#  - an include climbs with "../";
#  - Beast, Asio or librdkafka appear under modules/ (they belong to app/ and eventbus/kafka).
# Used at configure time (fatal) and by the `arch` CTest (cmake -P with -DMODULES_DIR=...).

# The module names come from the one list (also when run as a script).
include(${CMAKE_CURRENT_LIST_DIR}/../modules/modules.cmake)

function(mart_boundary_violations modules_dir out_var)
  set(violations "")
  file(GLOB_RECURSE files LIST_DIRECTORIES false
       "${modules_dir}/*.hpp" "${modules_dir}/*.cpp" "${modules_dir}/*.h")
  foreach(file IN LISTS files)
    file(RELATIVE_PATH rel "${modules_dir}" "${file}")
    string(REGEX MATCH "^[^/]+" owner "${rel}")
    file(STRINGS "${file}" includes REGEX "^[ \t]*#[ \t]*include")
    foreach(line IN LISTS includes)
      string(REGEX MATCH "[<\"]([^>\"]+)[>\"]" _ "${line}")
      set(path "${CMAKE_MATCH_1}")
      if(path MATCHES "\\.\\./")
        list(APPEND violations "${rel}: relative include '${path}'")
      elseif(path MATCHES "^boost/(beast|asio)" OR path MATCHES "^(librdkafka/|rdkafka)")
        list(APPEND violations "${rel}: '${path}' is not allowed under modules/")
      elseif(path MATCHES "^modules/")
        list(APPEND violations "${rel}: '${path}' puts modules/ on the include path")
      else()
        string(REGEX MATCH "^[a-z_]+" top "${path}")
        if(top IN_LIST MART_MODULES AND NOT top STREQUAL owner
           AND NOT path STREQUAL "${top}/events.hpp")
          list(APPEND violations "${rel}: reaches into module '${top}' via '${path}'")
        endif()
      endif()
    endforeach()
  endforeach()
  set(${out_var} "${violations}" PARENT_SCOPE)
endfunction()

function(mart_check_boundaries modules_dir)
  mart_boundary_violations("${modules_dir}" violations)
  if(violations)
    list(JOIN violations "\n  " text)
    message(FATAL_ERROR "module boundary rules broken:\n  ${text}")
  endif()
endfunction()

# Script mode: cmake -DMODULES_DIR=... -P CheckBoundaries.cmake
if(CMAKE_SCRIPT_MODE_FILE AND MODULES_DIR)
  mart_boundary_violations("${MODULES_DIR}" violations)
  if(violations)
    list(JOIN violations "\n  " text)
    message(FATAL_ERROR "module boundary rules broken:\n  ${text}")
  endif()
  message(STATUS "module boundaries: ok")
endif()
