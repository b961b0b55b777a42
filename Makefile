# The two commands of the README, and a few more for developers.
#   make run   install what is missing, build a release binary, load demo data into an empty
#              ./data (credentials printed once), serve on 127.0.0.1:8080
#   make run-split  the same system as three processes meeting through a mock Kafka broker
#   make test  install what is missing, build (warnings as errors), run every test tier, then the
#              same suite again under AddressSanitizer + UndefinedBehaviorSanitizer
#   make lint  clang-tidy with the checks of .clang-tidy over every source file (no build needed)
#   make format-check  fails if a C++ file is not formatted as .clang-format says (CI runs it)
#   make test-deploy   build the container image and start every deployment file of deploy/ for
#              real with podman (tests/deploy/run.sh; CI runs it after make test)

SHELL := /bin/bash
PACKAGES := build-essential cmake ninja-build ccache pkg-config \
            libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev \
            libsqlite3-dev libsqlitecpp-dev librdkafka-dev libfmt-dev libsodium-dev doctest-dev \
            libyaml-cpp-dev kcat wrk curl python3
JOBS ?= $(shell nproc)
# ccache keys on paths relative to the checkout, so a fresh clone elsewhere (CI) reuses the cache.
export CCACHE_BASEDIR := $(CURDIR)
export CCACHE_NOHASHDIR := 1
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: all deps web-deps browser-deps format-deps lint-deps build release run run-split test test-fast test-asan bench format \
        format-check lint clean test-deploy


all: build

deps: web-deps
	@missing=$$(for p in $(PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null \
	  | grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing:" $$missing; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi

# The pages (web/) are bundled by Node.js at build time; any Node.js >= 18 will do, so one that is
# already installed (Debian's or another) is kept.
web-deps:
	@if ! command -v node >/dev/null || ! command -v npm >/dev/null; then \
	  echo "installing: nodejs npm"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends nodejs npm; \
	fi

# The browser tests drive Debian's Chromium.
browser-deps:
	@$(MAKE) --no-print-directory deps PACKAGES=chromium

# The style tools: only format, format-check and lint need them, not the two README commands.
format-deps:
	@$(MAKE) --no-print-directory deps PACKAGES=clang-format
lint-deps:
	@$(MAKE) --no-print-directory deps PACKAGES="clang-tidy clang-format"

build: deps
	cmake --preset dev >/dev/null
	cmake --build build/dev -j $(JOBS)

release: deps
	cmake --preset release >/dev/null
	cmake --build build/release -j $(JOBS) --target mart

run: release
	./build/release/app/mart seed-demo --config config/mart.conf --if-empty
	./build/release/app/mart --config config/mart.conf

# Split mode on one machine: a mock Kafka broker, three mart processes and a gateway on :8080.
run-split: deps
	cmake --preset release >/dev/null
	cmake --build build/release -j $(JOBS) --target mart mart-kafka-mock
	scripts/run-split.sh build/release

test: deps browser-deps
	cmake --preset ci >/dev/null
	cmake --build build/ci -j $(JOBS)
	cd build/ci && ctest --output-on-failure -j $(JOBS)
	$(MAKE) --no-print-directory test-asan

test-fast: build
	cd build/dev && ctest --output-on-failure -j $(JOBS) -L 'unit|arch'

test-asan: deps browser-deps
	cmake --preset asan >/dev/null
	cmake --build build/asan -j $(JOBS)
	cd build/asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --output-on-failure -j $(JOBS)

# Needs root (or sudo) for podman and the packages it installs; see deploy/README.md.
test-deploy: web-deps
	tests/deploy/run.sh

bench: deps
	cmake --preset release -DMART_BUILD_BENCH=ON >/dev/null
	cmake --build build/release -j $(JOBS)
	bench/run.sh build/release
	bench/orders/run.sh build/release
	bench/orders/sag.sh build/release
	bench/latency/run.sh build/release
	bench/kafka/run.sh build/release

format: format-deps
	git ls-files '*.cpp' '*.hpp' | xargs clang-format -i

format-check: format-deps
	git ls-files '*.cpp' '*.hpp' | xargs clang-format --dry-run --Werror

# Sources of the tree only: not generated files under build/, not the arch test's broken fixtures.
lint: deps lint-deps
	cmake --preset dev >/dev/null
	run-clang-tidy -p build/dev -quiet -j $(JOBS) \
	  '^(?!.*/(build|fixtures)/).*/(app|eventbus|modules|tests|bench|tools)/.*\.cpp$$'

clean:
	rm -rf build
