# Thin wrapper over CMake: `make`, `make test`, `make asan`, `make fuzz`.
BUILD ?= build
JOBS ?= $(shell nproc)

.PHONY: all test asan fuzz clean
all:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build $(BUILD) -j$(JOBS)

test: all
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS)

asan:
	cmake -S . -B build-asan -DGMD_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null
	cmake --build build-asan -j$(JOBS)
	cd build-asan && ctest --output-on-failure -j$(JOBS)

fuzz:
	CC=clang cmake -S . -B build-fuzz -DGMD_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build build-fuzz -j$(JOBS)
	cd build-fuzz && ctest -L fuzz --output-on-failure

clean:
	rm -rf $(BUILD) build-asan build-fuzz
