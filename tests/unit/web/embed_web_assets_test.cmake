# cmake -DEMBED=cmake/EmbedWebAssets.cmake -DWORK=dir -P embed_web_assets_test.cmake
# The generator of the pages' table on hand-made manifests: what it writes for each asset (bytes,
# ETag from the SHA-256, the gzip copy only when smaller, the page rows), the empty table of
# MART_WEB=OFF, and the manifests it refuses.
cmake_minimum_required(VERSION 3.25)
file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}/assets")

function(run_embed manifest_text out_status out_text)
  file(WRITE "${WORK}/manifest.json" "${manifest_text}")
  execute_process(
    COMMAND ${CMAKE_COMMAND} -DMANIFEST=${WORK}/manifest.json -DOUTPUT=${WORK}/out.cpp -P ${EMBED}
    RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err)
  set(${out_status} "${status}" PARENT_SCOPE)
  set(text "${out}${err}")
  if(status EQUAL 0)
    file(READ "${WORK}/out.cpp" text)
  endif()
  set(${out_text} "${text}" PARENT_SCOPE)
endfunction()

# Whether `part` is in `text`, blanks and line breaks aside (CMake wraps its messages).
function(expect text part)
  string(REGEX REPLACE "[\n ]+" " " text "${text}")
  string(REGEX REPLACE "[\n ]+" " " part "${part}")
  string(FIND "${text}" "${part}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "expected to find\n  ${part}\nin\n${text}")
  endif()
endfunction()

# "ab" and a smaller "gzip copy"; a CSS file whose "gzip copy" is larger.
file(WRITE "${WORK}/assets/a-1.js" "ab")
file(WRITE "${WORK}/assets/a-1.js.gz" "z")
file(WRITE "${WORK}/assets/s-2.css" "b{}")
file(WRITE "${WORK}/assets/s-2.css.gz" "zzzzz")
file(WRITE "${WORK}/index.html" "<p>")
file(WRITE "${WORK}/index.html.gz" "<p>")
set(assets [=[
  {"url": "/assets/a-1.js", "file": "assets/a-1.js", "gzip": "assets/a-1.js.gz",
   "type": "text/javascript; charset=utf-8", "immutable": true},
  {"url": "/assets/s-2.css", "file": "assets/s-2.css", "gzip": "assets/s-2.css.gz",
   "type": "text/css; charset=utf-8", "immutable": true},
  {"url": "/index.html", "file": "index.html", "gzip": "index.html.gz",
   "type": "text/html; charset=utf-8", "immutable": false}]=])

run_embed("{\"assets\": [${assets}], \"pages\": [{\"pattern\": \"/\", \"url\": \"/index.html\"},
  {\"pattern\": \"/orders/{id}\", \"url\": \"/index.html\"}]}" status text)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "a good manifest was refused:\n${text}")
endif()
file(SHA256 "${WORK}/assets/a-1.js" hash)
string(SUBSTRING "${hash}" 0 20 hash)
expect("${text}" "constexpr unsigned char kFile0[] = {\n    0x61,0x62,};")
expect("${text}" "constexpr unsigned char kFile0Gzip[] = {\n    0x7a,};")
expect("${text}" "{\"/assets/a-1.js\", \"text/javascript; charset=utf-8\", \"\\\"${hash}\\\"\", kFile0, kFile0Gzip, \"\\\"${hash}-gzip\\\"\", true},")
expect("${text}" "kFile1, {}, \"\", true},")  # the larger gzip copy is left out
expect("${text}" "kFile2, {}, \"\", false},")  # as large: left out too
expect("${text}" "{\"/orders/{id}\", \"/index.html\"},")
expect("${text}" "return {kAssets, kPages};")
string(FIND "${text}" "kFile1Gzip" at)
if(NOT at EQUAL -1)
  message(FATAL_ERROR "a gzip copy larger than its file was embedded:\n${text}")
endif()

# MART_WEB=OFF: no manifest, an empty table.
execute_process(COMMAND ${CMAKE_COMMAND} -DOUTPUT=${WORK}/off.cpp -P ${EMBED} RESULT_VARIABLE status)
file(READ "${WORK}/off.cpp" off)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "the empty table was not written")
endif()
expect("${off}" "AssetTable embedded_assets() {\n  return {};")

# Refused: a page under the API, a page naming no asset, a pattern with another placeholder, a
# URL that is no plain path, an unexpected type.
foreach(case IN ITEMS
    "page pattern /api/v1/x would hide|{\"pattern\": \"/api/v1/x\", \"url\": \"/index.html\"}"
    "page pattern /metrics would hide|{\"pattern\": \"/metrics\", \"url\": \"/index.html\"}"
    "names /missing.html, which is no asset|{\"pattern\": \"/x\", \"url\": \"/missing.html\"}"
    "is not /segment/{id}/|{\"pattern\": \"/orders/{name}\", \"url\": \"/index.html\"}"
    "is not /segment/{id}/|{\"pattern\": \"/orders/\", \"url\": \"/index.html\"}")
  string(REPLACE "|" ";" parts "${case}")
  list(GET parts 0 message)
  list(GET parts 1 page)
  run_embed("{\"assets\": [${assets}], \"pages\": [${page}]}" status text)
  if(status EQUAL 0)
    message(FATAL_ERROR "accepted the page ${page}")
  endif()
  expect("${text}" "${message}")
endforeach()
foreach(case IN ITEMS
    "is not a plain path|/assets/a\\\"b.js|text/javascript"
    "is not a plain path|/assets/../a.js|text/javascript"
    "would hide the API|/api/a.js|text/javascript"
    "unexpected type|/assets/a-1.js|text/javascript\\\"; x")
  string(REPLACE "|" ";" parts "${case}")
  list(GET parts 0 message)
  list(GET parts 1 url)
  list(GET parts 2 type)
  run_embed("{\"assets\": [{\"url\": \"${url}\", \"file\": \"assets/a-1.js\",
    \"gzip\": \"assets/a-1.js.gz\", \"type\": \"${type}\", \"immutable\": true}], \"pages\": []}"
    status text)
  if(status EQUAL 0)
    message(FATAL_ERROR "accepted the asset ${url} (${type})")
  endif()
  expect("${text}" "${message}")
endforeach()
message(STATUS "the generator writes the table and refuses what it must")
