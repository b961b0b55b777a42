# Runs the include check on the fixture tree and requires exactly the breaches it plants, so the
# test fails if the check stops finding one of them or fails for another reason.
cmake_policy(VERSION 3.25)
execute_process(
  COMMAND ${CMAKE_COMMAND} -DMODULES_DIR=${FIXTURES} -P ${CHECK}
  RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err)
set(text "${out}${err}")
if(status EQUAL 0)
  message(FATAL_ERROR "the check accepted the fixture tree:\n${text}")
endif()
set(expected
    "orders/src/bad.cpp: reaches into module 'products' via 'products/module.hpp'"
    "orders/src/bad.cpp: relative include '../../products/src/store/product_store.hpp'"
    "orders/src/bad.cpp: 'boost/beast/http.hpp' is not allowed under modules/")
foreach(line IN LISTS expected)
  string(FIND "${text}" "${line}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "expected breach not reported: ${line}\noutput:\n${text}")
  endif()
endforeach()
string(REGEX MATCHALL "orders/src/bad.cpp:" found "${text}")
list(LENGTH found count)
if(NOT count EQUAL 3)
  message(FATAL_ERROR "expected 3 breaches, got ${count}:\n${text}")
endif()
message(STATUS "the check reports each planted breach")
