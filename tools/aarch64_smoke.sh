#!/usr/bin/env bash
# Cross-build the extension for aarch64 and run tools/smoke.py under qemu-aarch64.
#
#   tools/aarch64_smoke.sh [--full]      (root; Debian bookworm; network to apt and PyPI)
#
# What it does, each stage timed:
#   1. apt: qemu-user, g++-aarch64-linux-gnu, the arm64 architecture
#   2. arm64 Debian packages for the interpreter (python3.11 + its libraries and
#      headers), unpacked into $WORK/root (not installed: multiarch cannot install
#      python3:arm64 beside the x86-64 python3)
#   3. aarch64 wheels from PyPI (numpy; with --full also scikit-learn, matplotlib,
#      safetensors, tqdm for the main job and the labs), unpacked into $WORK/site
#   4. CMake with tools/aarch64-toolchain.cmake: the x86 rungs are left out, the
#      baseline C++ kernels build (PDG_X86_SIMD=0)
#   5. the package and the .so staged in $WORK/stage; smoke.py run by Debian's
#      arm64 python3.11 under qemu-aarch64
# $WORK defaults to build/aarch64 (git-ignored); downloads are reused when present.
set -euo pipefail
cd "$(dirname "$0")/.."
SRC=$PWD
WORK=${WORK:-$SRC/build/aarch64}
FULL=""
[ "${1:-}" = "--full" ] && FULL=--full
mkdir -p "$WORK"
t0=$(date +%s)
stage() { echo "== aarch64: $1 ($(( $(date +%s) - t0 )) s so far)"; }

stage "toolchain and qemu (apt)"
need=()
command -v qemu-aarch64 >/dev/null || need+=(qemu-user)
command -v aarch64-linux-gnu-g++ >/dev/null || need+=(g++-aarch64-linux-gnu)
added=""
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
  dpkg --add-architecture arm64
  added=yes
fi
if [ -n "$added" ] || [ ${#need[@]} -gt 0 ] || [ ! -f "$WORK/debs/.done" ]; then
  apt-get update -qq
fi
if [ ${#need[@]} -gt 0 ]; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

stage "arm64 Python packages (apt-get download)"
mkdir -p "$WORK/debs"
if [ ! -f "$WORK/debs/.done" ]; then
  (cd "$WORK/debs" && apt-get download -qq \
    python3.11-minimal:arm64 libpython3.11-minimal:arm64 libpython3.11-stdlib:arm64 \
    libpython3.11:arm64 libpython3.11-dev:arm64 libstdc++6:arm64 libgcc-s1:arm64 libc6:arm64 \
    libffi8:arm64 zlib1g:arm64 libexpat1:arm64 libssl3:arm64 libgomp1:arm64 libbz2-1.0:arm64 \
    liblzma5:arm64 libncursesw6:arm64 libtinfo6:arm64 libreadline8:arm64 libsqlite3-0:arm64 \
    libuuid1:arm64 libcrypt1:arm64 libnsl2:arm64 libtirpc3:arm64 libdb5.3:arm64 \
    libgssapi-krb5-2:arm64 libkrb5-3:arm64 libk5crypto3:arm64 libkrb5support0:arm64 \
    libcom-err2:arm64 libkeyutils1:arm64 2>&1 | grep -v "unsandboxed" || true)
  touch "$WORK/debs/.done"
fi
R=$WORK/root
if [ ! -x "$R/usr/bin/python3.11" ]; then
  rm -rf "$R" && mkdir -p "$R"
  for f in "$WORK"/debs/*.deb; do dpkg -x "$f" "$R"; done
fi

stage "aarch64 wheels (pip download)"
pkgs=(numpy)
[ -n "$FULL" ] && pkgs+=(scikit-learn matplotlib safetensors tqdm)
mkdir -p "$WORK/wheels" "$WORK/site"
key="${pkgs[*]}"
if [ "$(cat "$WORK/site/.pkgs" 2>/dev/null)" != "$key" ]; then
  python3 -m pip download --quiet --only-binary=:all: --python-version 3.11 \
    --implementation cp --abi cp311 --platform manylinux2014_aarch64 \
    --platform manylinux_2_17_aarch64 --platform manylinux_2_28_aarch64 \
    -d "$WORK/wheels" "${pkgs[@]}" 2>&1 | grep -v "is ignored: it is neither" || true
  rm -rf "$WORK/site" && mkdir -p "$WORK/site"
  for w in "$WORK"/wheels/*.whl; do python3 -m zipfile -e "$w" "$WORK/site"; done
  echo "$key" > "$WORK/site/.pkgs"
fi

# qemu-aarch64 with the unpacked root as its library prefix: CMake's emulator
# for FindPython and smoke.py's launcher for child processes.
RUN=$WORK/qemu-run
cat > "$RUN" <<EOF
#!/bin/sh
exec env QEMU_LD_PREFIX=$R qemu-aarch64 -E LD_LIBRARY_PATH=$R/usr/lib/aarch64-linux-gnu "\$@"
EOF
chmod +x "$RUN"

stage "cross-build (cmake)"
# The build tools, from PyPI into the current Python when it lacks them (a fresh venv).
python3 -c "import pybind11, cmake, ninja" 2>/dev/null ||
  python3 -m pip install --quiet "pybind11>=2.12" "cmake>=3.24" ninja
export PATH="$(python3 -c 'import cmake, ninja, os; print(os.path.dirname(cmake.__file__) + "/data/bin:" + ninja.BIN_DIR)'):$PATH"
PYB=$(python3 -m pybind11 --cmakedir)
cmake -S "$SRC" -B "$WORK/build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_TOOLCHAIN_FILE="$SRC/tools/aarch64-toolchain.cmake" \
  -DCMAKE_CROSSCOMPILING_EMULATOR="$RUN" \
  -DPYDEEPGEN_CUDA=OFF -DSKBUILD_PROJECT_VERSION="$(python3 -c 'import tomllib;print(tomllib.load(open("pyproject.toml","rb"))["project"]["version"])')" \
  -DPython_EXECUTABLE="$R/usr/bin/python3.11" -DPython_INCLUDE_DIR="$R/usr/include/python3.11" \
  "-DCMAKE_CXX_FLAGS=-I$R/usr/include/aarch64-linux-gnu/python3.11 -I$R/usr/include" \
  -Dpybind11_DIR="$PYB" -DPYBIND11_USE_CROSSCOMPILING=ON -DPYTHON_IS_DEBUG=0 \
  -DPYTHON_MODULE_EXTENSION=.cpython-311-aarch64-linux-gnu.so -DPYTHON_MODULE_DEBUG_POSTFIX= \
  >"$WORK/cmake.log" 2>&1 || { tail -30 "$WORK/cmake.log"; exit 1; }
grep "pydeepgen:" "$WORK/cmake.log"
cmake --build "$WORK/build" -j"$(nproc)" >"$WORK/build.log" 2>&1 || { grep -A5 error "$WORK/build.log" | head -40; exit 1; }
so=$(ls "$WORK"/build/_C.cpython-311-aarch64-linux-gnu.so)
file "$so" 2>/dev/null || true

stage "smoke under qemu-aarch64"
rm -rf "$WORK/stage" && mkdir -p "$WORK/stage"
cp -r "$SRC/pydeepgen" "$WORK/stage/"
find "$WORK/stage" -name "*.so" -delete
find "$WORK/stage" -name __pycache__ -type d -prune -exec rm -rf {} +
cp "$so" "$WORK/stage/pydeepgen/"
export PYTHONPATH=$WORK/stage:$WORK/site MPLBACKEND=Agg SMOKE_EXEC=$RUN
(cd "$WORK" && "$RUN" "$R/usr/bin/python3.11" "$SRC/tools/smoke.py" --expect-level baseline $FULL)
stage "done"
