# cmake -DNPM=npm -DWEB_DIR=web -DMARKER=web/node_modules/.mart-npm-ci -P WebNpmCi.cmake
# `npm ci` in WEB_DIR unless node_modules was already installed from this package-lock.json
# (MARKER holds the lock's hash): every build directory (presets dev, ci, asan, release) shares
# web/node_modules, and only the first to see a new lock file installs it.
file(SHA256 "${WEB_DIR}/package-lock.json" lock_hash)
if(EXISTS "${MARKER}")
  file(READ "${MARKER}" installed)
  if(installed STREQUAL lock_hash)
    return()
  endif()
endif()
execute_process(
  COMMAND "${NPM}" ci --no-audit --no-fund
  WORKING_DIRECTORY "${WEB_DIR}"
  RESULT_VARIABLE status)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "npm ci in ${WEB_DIR} failed (${status})")
endif()
file(WRITE "${MARKER}" "${lock_hash}")
