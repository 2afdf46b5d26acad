# Thin wrapper over CMake. The two commands a new user needs:
#   make demo   install what is missing, build gmd, run it on real profiles
#   make test   install what is missing, build, run the whole test suite
BUILD ?= build
JOBS ?= $(shell nproc)
export PATH := $(PATH):/usr/local/go/bin

.PHONY: all deps demo test asan fuzz bench clean
all:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build $(BUILD) -j$(JOBS)

deps:
	@./scripts/install-deps.sh

demo: deps all
	@./scripts/demo.sh $(BUILD)/gmd

test: deps all
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS)

asan: deps
	cmake -S . -B build-asan -DGMD_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null
	cmake --build build-asan -j$(JOBS)
	cd build-asan && ctest --output-on-failure -j$(JOBS)

# Each libFuzzer target for FUZZ_SECONDS (45 s each, ~12 min in all); a table
# of executions per target at the end. Fails when a target does not build.
FUZZ_SECONDS ?= 45
fuzz: deps
	./fuzz/run.sh $(FUZZ_SECONDS)

bench: deps
	./bench/run.sh

clean:
	rm -rf $(BUILD) build-asan build-fuzz
