# The web pages (web/, shared/design.md "The web pages") compiled into the mart binary.
#
# mart_embed_web_assets(<out_var>) adds, in the calling directory, the commands that build the
# pages and generate a C++ source with their bytes (mart::web::embedded_assets(), see
# app/web/web_assets.hpp); <out_var> names that source.
#   MART_WEB=ON (default): `npm ci` in web/ when web/package-lock.json changed (once for every
#     build directory: web/node_modules is shared), `node web/build.mjs` when anything under
#     web/src or build.mjs changed, then cmake/EmbedWebAssets.cmake turns its manifest.json and
#     files into byte arrays. Needs node and npm.
#   MART_WEB=OFF: the same source with an empty table; the binary then serves no page.
option(MART_WEB "Build the web pages with node/npm and compile them into mart" ON)

function(mart_embed_web_assets out_var)
  set(generated ${CMAKE_CURRENT_BINARY_DIR}/web_assets.cpp)
  set(embed_script ${PROJECT_SOURCE_DIR}/cmake/EmbedWebAssets.cmake)
  if(NOT MART_WEB)
    add_custom_command(
      OUTPUT ${generated}
      COMMAND ${CMAKE_COMMAND} -DOUTPUT=${generated} -P ${embed_script}
      DEPENDS ${embed_script}
      COMMENT "Embedding no web pages (MART_WEB=OFF)"
      VERBATIM)
    set(${out_var} ${generated} PARENT_SCOPE)
    return()
  endif()

  find_program(MART_NODE node)
  find_program(MART_NPM npm)
  if(NOT MART_NODE OR NOT MART_NPM)
    message(FATAL_ERROR
      "The web pages need node and npm, which were not found: install the packages `nodejs npm` "
      "(apt-get install nodejs npm), or configure with -DMART_WEB=OFF for a binary without the "
      "web pages (API only).")
  endif()

  set(web_dir ${PROJECT_SOURCE_DIR}/web)
  set(web_out ${CMAKE_CURRENT_BINARY_DIR}/web)
  # The marker is inside node_modules, so a deleted node_modules is installed again.
  set(npm_marker ${web_dir}/node_modules/.mart-npm-ci)
  add_custom_command(
    OUTPUT ${npm_marker}
    COMMAND ${CMAKE_COMMAND} -DNPM=${MART_NPM} -DWEB_DIR=${web_dir} -DMARKER=${npm_marker}
            -P ${PROJECT_SOURCE_DIR}/cmake/WebNpmCi.cmake
    DEPENDS ${web_dir}/package-lock.json ${web_dir}/package.json
            ${PROJECT_SOURCE_DIR}/cmake/WebNpmCi.cmake
    COMMENT "Installing the web pages' npm packages (npm ci, when package-lock.json changed)"
    VERBATIM)

  file(GLOB_RECURSE web_sources CONFIGURE_DEPENDS ${web_dir}/src/*)
  add_custom_command(
    OUTPUT ${web_out}/manifest.json
    COMMAND ${MART_NODE} ${web_dir}/build.mjs --out ${web_out}
    DEPENDS ${npm_marker} ${web_dir}/build.mjs ${web_sources}
    WORKING_DIRECTORY ${web_dir}
    COMMENT "Building the web pages (node web/build.mjs)"
    VERBATIM)

  add_custom_command(
    OUTPUT ${generated}
    COMMAND ${CMAKE_COMMAND} -DMANIFEST=${web_out}/manifest.json -DOUTPUT=${generated}
            -P ${embed_script}
    DEPENDS ${web_out}/manifest.json ${embed_script}
    COMMENT "Embedding the web pages"
    VERBATIM)
  set(${out_var} ${generated} PARENT_SCOPE)
endfunction()
