#!/usr/bin/env bash
# Build pydeepgen._C with AddressSanitizer + UndefinedBehaviorSanitizer (gcc) and run the
# tests against it.
#
#   tools/sanitize.sh [PYTEST_ARGS...]
#
# Examples
#   tools/sanitize.sh                                   # build, then the default selection
#   SAN_TESTS=all tools/sanitize.sh                     # every tests/test_*.py
#   SAN_TESTS="tests/test_conv.py tests/test_norm.py" tools/sanitize.sh -k backward
#   SAN_SIMD="native avx2 baseline" tools/sanitize.sh   # the selection once per SIMD cap
#   SAN_SKIP_BUILD=1 tools/sanitize.sh                  # reuse the last build
#
# Exit status: 0 clean; 1 a sanitizer report (each printed at the end, one log per
# process); 2 no sanitizer report but a test failed or timed out; 3 build/set-up error.
#
# What it does, each stage timed:
#   1. CMake (Ninja when available) in $SAN_BUILD_DIR (default build/asan), CUDA off.
#      $SAN_FLAGS go into CMAKE_CXX_FLAGS, CMAKE_MODULE_LINKER_FLAGS (pybind11_add_module
#      makes a MODULE library) and CMAKE_SHARED_LINKER_FLAGS. CMAKE_CXX_FLAGS precedes every
#      per-target and per-source option, so the *_avx2.cpp / *_avx512.cpp files (whose
#      -mavx2/-mavx512f come from set_source_files_properties) get them too; the script
#      checks every object's command line in compile_commands.json. No CMakeLists.txt
#      change is needed.
#      Optimization: CMakeLists.txt puts -O3 on the target, after CMAKE_CXX_FLAGS. The
#      script sets CMAKE_CXX_COMPILER_LAUNCHER to a two-line wrapper that appends $SAN_OPT
#      (default "-O1 -g1") at the END of each compile command, so it wins. -O1 is what the
#      ASan docs recommend; it compiles the pybind11-heavy files ~2.2x faster than -O3 under
#      the sanitizers (bind_loss.cpp: 11 s vs 25 s); -g1 (line tables) still gives file:line
#      for inlined frames. SAN_OPT=none keeps the release -O3 (plus -g). The wrapper's
#      name carries the flags, so changing SAN_OPT rebuilds. SAN_LAUNCHER=ccache chains
#      ccache (useful in CI).
#      CMAKE_BUILD_TYPE=RelWithDebInfo with -DNDEBUG, like the release build the tests
#      expect (pybind11 changes some messages without NDEBUG); SAN_ASSERTS=1 drops NDEBUG
#      (assert()s and pybind11's "GIL held on inc_ref/dec_ref" checks on).
#   2. Staging in $SAN_STAGE (default $SAN_BUILD_DIR/stage): a copy of pydeepgen/ (no .so,
#      no __pycache__), the sanitized _C*.so, and a sitecustomize.py. The editable install
#      (scikit-build-core "redirect" mode) puts a finder on sys.meta_path, ahead of the
#      sys.path finder, that sends `import pydeepgen` to the source tree and pydeepgen._C
#      to the installed module WHATEVER PYTHONPATH SAYS (checked: with PYTHONPATH alone the
#      editable .so is imported). The staged sitecustomize.py (found through PYTHONPATH,
#      run by site.py after the .pth files) removes that finder, in pytest and in every
#      child Python a test starts. pytest runs with the stage as its working directory, so
#      sys.path[0] is the stage, never the source tree. Then a fresh interpreter, set up
#      exactly like the tests, must import pydeepgen and pydeepgen._C from $SAN_STAGE
#      (pydeepgen._C.__file__ is printed).
#   3. A self-test of the runtime: a deliberate heap overflow (through ctypes, no extension
#      involved) must produce a report and a non-zero exit.
#   4. The tests: one pytest process per test file (a sanitizer ends the process it fires
#      in: one process per file keeps one finding from hiding the others, and names the
#      file), with
#        LD_PRELOAD=<gcc -print-file-name=libasan.so>:<... libubsan.so>  (python is not
#            instrumented; the ASan runtime must be the first library loaded)
#        ASAN_OPTIONS=detect_leaks=0:...     (CPython leaks by design at exit)
#        UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:...
#      ASan writes to $SAN_BUILD_DIR/logs/asan.<pid>, also from the child processes that
#      tests start with captured output (their stderr would be lost). UBSan, next to ASan,
#      ignores log_path (gcc 12, checked) and prints to stderr: each pytest run's output is
#      kept in logs/pytest.<n>.out (with -rP: the captured output of passing tests too, so
#      a child's uncaptured stderr is in it) and every "runtime error:" in it (the pytest process's
#      own, or a child's that a failing test shows) becomes logs/ubsan.output.<n>; exit
#      code 98 (UBSAN_OPTIONS exitcode) counts too. Limit: a UBSan report in a child whose
#      captured stderr a test discards while expecting it to fail is not seen. Any log
#      with an error fails the run and is printed at the end.
#      pytest runs with -p no:faulthandler: Python's faulthandler would catch a SIGSEGV
#      first and re-raise it, and ASan would then report "SEGV on unknown address <pid>"
#      with the faulting stack lost; without it ASan reports the real address and stack.
#
# The caching allocator (csrc/core/allocator.cpp) keeps freed blocks for reuse, which would
# hide use-after-free from ASan: unless SAN_ALLOC_CACHE=1, sitecustomize.py calls
# _C.set_cache_limit(0) as soon as pydeepgen._C is imported (every free goes to free()),
# and tests/test_config.py::test_allocator_reuses_freed_blocks (it counts cache hits) is
# deselected. Blocks are still rounded up to a bucket (64 B minimum, powers of two up to
# 4 KiB, then 1/8 steps): an overflow that stays inside a bucket's slack is NOT seen unless
# the allocator poisons that slack (ASAN_POISON_MEMORY_REGION under __SANITIZE_ADDRESS__).
#
# Test-harness exceptions (not suppressible through a suppression file; kept here):
#   tests/test_fuzz_bad_input.py runs with ASAN_OPTIONS handle_segv=0: its harness
#   self-check kills a child with SIGSEGV on purpose (SIGNAL_SNIPPETS) and expects a death
#   by signal; ASan's SEGV handler would turn it into a report and exit code 99. Heap and
#   stack errors and UB are still reported in that file; a real segfault there still fails
#   its test (as "CRASH (signal ...)"), without an ASan stack.
#
# Environment (all optional)
#   SAN_BUILD_DIR   build tree, default build/asan (relative paths: to the repo root)
#   SAN_STAGE       staged package, default $SAN_BUILD_DIR/stage (wiped each run)
#   SAN_FLAGS       default "-fsanitize=address,undefined -fno-omit-frame-pointer
#                   -fno-sanitize-recover=undefined" (compile and link)
#   SAN_OPT         appended to every compile command, default "-O1 -g1"; "none": -O3 -g
#   SAN_LAUNCHER    a compiler launcher to chain, e.g. ccache
#   SAN_ASSERTS=1   build without -DNDEBUG
#   SAN_JOBS        build parallelism, default $(nproc)
#   SAN_SKIP_BUILD=1  reuse $SAN_BUILD_DIR as it is
#   SAN_TESTS       "default" (every tests/test_*.py but the slow end-to-end files in
#                   SAN_SLOW below), "all", or test files / node ids (space separated)
#   SAN_SIMD        SIMD caps to run the selection under, space separated: "native" (no
#                   PDG_SIMD: the best this CPU has; the default), "avx512", "avx2",
#                   "baseline", or "all" (native, then every lower level this CPU has).
#                   tests/test_simd_levels.py runs every kernel family at every level up
#                   to the cap in one process, so "native" already reaches every rung.
#   SAN_TIMEOUT     seconds per test file (default 900)
#   SAN_ALLOC_CACHE=1  keep the caching allocator on (see above)
#   PYTHON          interpreter, default python3 (needs numpy, pytest, hypothesis, scipy,
#                   pybind11, cmake, and what the tests import; ninja optional)
# Extra arguments go to every pytest command (e.g. -x, -k EXPR, -v).
#
# Suppressions: tools/asan.supp and tools/ubsan.supp are passed when present; suppress
# only findings outside csrc/ (third-party code, a test harness), each with its reason.
set -uo pipefail
cd "$(dirname "$0")/.."
SRC=$PWD
PY=${PYTHON:-python3}
PY=$("$PY" -c 'import sys; print(sys.executable)') || { echo "sanitize: no python"; exit 3; }
BUILD=${SAN_BUILD_DIR:-build/asan}
[[ $BUILD = /* ]] || BUILD=$SRC/$BUILD
STAGE=${SAN_STAGE:-$BUILD/stage}
[[ $STAGE = /* ]] || STAGE=$SRC/$STAGE
LOGS=$BUILD/logs
FLAGS=${SAN_FLAGS:--fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined}
OPT=${SAN_OPT:--O1 -g1}
JOBS=${SAN_JOBS:-$(nproc)}
TIMEOUT=${SAN_TIMEOUT:-900}
T0=$(date +%s)
stage() { echo "== sanitize: $1 ($(( $(date +%s) - T0 )) s so far)"; }
die() { echo "sanitize: $*" >&2; exit 3; }

# Left out of the default selection (SAN_TESTS=all runs them): end-to-end runs that
# exercise the same kernels as the unit tests, mostly in child processes (CLI, labs, MPI
# via mpiexec), and take ~75% of the sanitized suite's time (measured on 2 busy cores:
# labs_part2 450 s, cli 299 s, coevolution 88 s, distributed 82 s, labs_part1 44 s,
# train 19 s of 1420 s). Everything else under tests/, new files included, is run: every
# kernel family (elementwise, unary/binary, reduce, index, scan, where, gemm/matmul,
# dense, conv, pool, norm, softmax, activation, loss, dropout/embedding, RNN/LSTM/GRU,
# optimizers, random/init, every SIMD rung), the fuzzers and the bad-input tests, autograd,
# nn modules, models, checkpoints, data.
SAN_SLOW="test_labs_part1 test_labs_part2 test_cli test_train test_coevolution test_distributed"
# Per-file extra ASAN_OPTIONS (see "Test-harness exceptions" above).
declare -A FILE_ASAN=([test_fuzz_bad_input.py]="handle_segv=0")

# ------------------------------------------------------------------------- sanitizers
LIBASAN=$(gcc -print-file-name=libasan.so)
LIBUBSAN=$(gcc -print-file-name=libubsan.so)
[[ -e $LIBASAN && -e $LIBUBSAN ]] || die "gcc's libasan.so / libubsan.so not found ($LIBASAN, $LIBUBSAN)"
# Preload the real files the symlinks name (libasan.so.8, libubsan.so.1 for gcc 12): the
# sonames the module is linked against.
LIBASAN=$(readlink -f "$LIBASAN"); LIBUBSAN=$(readlink -f "$LIBUBSAN")

# ------------------------------------------------------------------------- 1. build
if [[ -z ${SAN_SKIP_BUILD:-} ]]; then
  stage "configure ($BUILD)"
  mkdir -p "$BUILD"
  "$PY" -c "import pybind11" 2>/dev/null || die "$PY lacks pybind11 (pip install pybind11)"
  PYB=$("$PY" -m pybind11 --cmakedir)
  VERSION=$("$PY" -c 'import tomllib; print(tomllib.load(open("pyproject.toml","rb"))["project"]["version"])' 2>/dev/null || echo 0+unknown)
  GEN=()
  command -v ninja >/dev/null && GEN=(-G Ninja)
  [[ -f $BUILD/CMakeCache.txt ]] && GEN=()  # an existing tree keeps its generator
  RELFLAGS="-DNDEBUG"
  [[ -n ${SAN_ASSERTS:-} ]] && RELFLAGS=""
  LAUNCH=""
  if [[ $OPT = none ]]; then
    CXXFLAGS_ALL="$FLAGS -g"
    [[ -n ${SAN_LAUNCHER:-} ]] && LAUNCH=$(command -v "$SAN_LAUNCHER")
  else
    CXXFLAGS_ALL="$FLAGS"
    LAUNCH="$BUILD/cxx-append$(tr -c 'A-Za-z0-9' '_' <<<"$OPT").sh"
    printf '#!/bin/sh\n# tools/sanitize.sh: run the compile command with %s appended (wins over -O3)\nexec %s "$@" %s\n' \
      "$OPT" "${SAN_LAUNCHER:+$(command -v "$SAN_LAUNCHER")}" "$OPT" > "$LAUNCH"
    chmod +x "$LAUNCH"
  fi
  tb=$(date +%s)
  cmake -S "$SRC" -B "$BUILD" "${GEN[@]}" \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=$RELFLAGS" \
    "-DCMAKE_CXX_FLAGS=$CXXFLAGS_ALL" \
    "-DCMAKE_MODULE_LINKER_FLAGS=$FLAGS" \
    "-DCMAKE_SHARED_LINKER_FLAGS=$FLAGS" \
    "-DCMAKE_CXX_COMPILER_LAUNCHER=$LAUNCH" \
    -DCMAKE_EXPORT_COMPILE_COMMANDS=ON \
    -DPYDEEPGEN_CUDA=OFF \
    -DSKBUILD_PROJECT_VERSION="$VERSION" \
    -DPython_EXECUTABLE="$PY" \
    -Dpybind11_DIR="$PYB" \
    >"$BUILD/cmake.log" 2>&1 || { tail -30 "$BUILD/cmake.log"; die "cmake configure failed ($BUILD/cmake.log)"; }
  grep "pydeepgen:" "$BUILD/cmake.log"
  stage "build (-j$JOBS, $FLAGS, ${OPT/none/-O3 -g})"
  cmake --build "$BUILD" -j"$JOBS" >"$BUILD/build.log" 2>&1 ||
    { grep -B2 -A8 -m5 "error" "$BUILD/build.log" | head -60; die "build failed ($BUILD/build.log)"; }
  echo "sanitize: configure + build took $(( $(date +%s) - tb )) s"
  # Every translation unit, the per-ISA ones included, must carry the sanitizer flags.
  "$PY" - "$BUILD/compile_commands.json" "$FLAGS" <<'EOF' || die "sanitizer flags missing from some objects"
import json, shlex, sys
cmds = json.load(open(sys.argv[1]))
want = [f for f in shlex.split(sys.argv[2]) if f.startswith("-fsanitize") or f == "-fno-omit-frame-pointer"]
bad = [c["file"] for c in cmds if not all(w in shlex.split(c["command"]) for w in want)]
isa = [c["file"] for c in cmds if "_avx" in c["file"]]
print(f"sanitize: {len(cmds)} objects ({len(isa)} per-ISA), all with {' '.join(want)}" if not bad
      else "sanitize: without the flags: " + " ".join(bad))
sys.exit(1 if bad or not cmds else 0)
EOF
fi
SO=$(ls "$BUILD"/_C*.so 2>/dev/null | head -1)
[[ -n $SO ]] || die "no _C*.so in $BUILD (build first, without SAN_SKIP_BUILD)"
# (Captured first: `cmd | grep -q` can fail under pipefail when grep exits early.)
dyn=$(readelf -d "$SO"); syms=$(nm -D "$SO" 2>/dev/null)
grep -q "NEEDED.*libasan" <<<"$dyn" || die "$SO is not linked against libasan"
grep -q "NEEDED.*libubsan" <<<"$dyn" || die "$SO is not linked against libubsan"
grep -q "__asan_report_load" <<<"$syms" || die "$SO has no ASan instrumentation"
grep -q "__ubsan_handle" <<<"$syms" || die "$SO has no UBSan instrumentation"

# ------------------------------------------------------------------------- 2. stage
stage "staging $STAGE"
rm -rf "$STAGE" && mkdir -p "$STAGE"
cp -r "$SRC/pydeepgen" "$STAGE/"
find "$STAGE" -name "*.so" -delete
find "$STAGE" -name __pycache__ -type d -prune -exec rm -rf {} +
cp "$SO" "$STAGE/pydeepgen/"
cat > "$STAGE/sitecustomize.py" <<'EOF'
"""Written by tools/sanitize.sh: make this staging folder's pydeepgen the one imported.

1. Drop pydeepgen's editable-install import hook (scikit-build-core puts a redirecting
   finder on sys.meta_path, ahead of PYTHONPATH), so `import pydeepgen` goes by sys.path.
2. Unless SAN_ALLOC_CACHE=1, turn the caching allocator off as soon as pydeepgen._C is
   loaded (cached blocks would hide use-after-free from ASan).
3. Run the next sitecustomize on sys.path, if any (this file shadows it).
"""
import importlib.abc
import importlib.machinery
import importlib.util
import os
import sys

sys.meta_path[:] = [f for f in sys.meta_path
                    if not ("pydeepgen" in (type(f).__module__ or "")
                            and "editable" in (type(f).__module__ or ""))]

if os.environ.get("SAN_ALLOC_CACHE", "") != "1":
    class _NoCache(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path, target=None):
            if name != "pydeepgen._C":
                return None
            spec = importlib.machinery.PathFinder.find_spec(name, path)
            if spec is None or spec.loader is None:
                return spec
            exec_module = spec.loader.exec_module

            def exec_and_uncache(module):
                exec_module(module)
                module.set_cache_limit(0)

            spec.loader.exec_module = exec_and_uncache
            return spec

    sys.meta_path.insert(0, _NoCache())

_here = os.path.dirname(os.path.abspath(__file__))
_saved = sys.modules.pop("sitecustomize", None)
try:
    _rest = [p for p in sys.path if os.path.abspath(p or ".") != _here]
    _spec = importlib.machinery.PathFinder.find_spec("sitecustomize", _rest)
    if _spec is not None and _spec.loader is not None:
        _m = importlib.util.module_from_spec(_spec)
        _spec.loader.exec_module(_m)
finally:
    if _saved is not None:
        sys.modules["sitecustomize"] = _saved
EOF

# ------------------------------------------------------------------------- runtime env
mkdir -p "$LOGS"
rm -f "$LOGS"/asan.* "$LOGS"/ubsan.*
ASAN_OPTS="detect_leaks=0:halt_on_error=1:abort_on_error=0:exitcode=99:symbolize=1"
# allocator_may_return_null=1: tests that ask for absurd sizes expect MemoryError (C++
# std::bad_alloc); ASan would otherwise abort with allocation-size-too-big.
# handle_abort=1: std::terminate (e.g. an exception escaping an OpenMP region) gets a stack.
ASAN_OPTS+=":allocator_may_return_null=1:handle_abort=1:detect_odr_violation=1"
ASAN_OPTS+=":check_initialization_order=1:strict_init_order=1:log_path=$LOGS/asan"
[[ -f $SRC/tools/asan.supp ]] && ASAN_OPTS+=":suppressions=$SRC/tools/asan.supp"
# log_path works for UBSan alone, but gcc 12's libubsan ignores it next to ASan (checked):
# UBSan reports go to stderr, which the loop below scans. exitcode=98 marks them.
UBSAN_OPTS="print_stacktrace=1:halt_on_error=1:exitcode=98:log_path=$LOGS/ubsan"
[[ -f $SRC/tools/ubsan.supp ]] && UBSAN_OPTS+=":suppressions=$SRC/tools/ubsan.supp"
senv() {  # senv EXTRA_ASAN_OPTIONS: the environment, in the array SENV (for `env`)
  SENV=("LD_PRELOAD=$LIBASAN:$LIBUBSAN" "ASAN_OPTIONS=$ASAN_OPTS${1:+:$1}"
        "UBSAN_OPTIONS=$UBSAN_OPTS" "PYTHONPATH=$STAGE${PYTHONPATH:+:$PYTHONPATH}"
        MPLBACKEND=Agg PYTHONDONTWRITEBYTECODE=1)
}
san_env() { senv "$1"; shift; env "${SENV[@]}" "$@"; }  # san_env EXTRA command...

# A log is a report when it holds an error; a log with warnings only (ASan's "failed to
# allocate 0x... bytes" under allocator_may_return_null, from tests that expect
# MemoryError) is summarised in one line and does not fail the run.
print_logs() {
  local f n=0
  for f in "$LOGS"/asan.* "$LOGS"/ubsan.*; do
    [[ -s $f ]] || continue
    if grep -qE "ERROR: |runtime error:|SUMMARY: " "$f"; then
      n=$((n + 1))
      echo "---------------------------------------------------------------- $(basename "$f")"
      cat "$f"
    else
      echo "sanitize: warnings only in $(basename "$f"): $(sed 's/^==[0-9]*==//' "$f" | sort | uniq -c | sort -rn | head -2 | tr -s ' ' | tr '\n' ';')"
    fi
  done
  return $n
}

# ------------------------------------------------------------------------- checks
stage "checking the staged import"
(cd "$STAGE" && san_env "" "$PY" -c '
import os, sys
import pydeepgen, pydeepgen._C as C
stage = os.path.realpath(sys.argv[1])
print("sanitize: pydeepgen._C.__file__ =", C.__file__)
print("sanitize: pydeepgen.__file__    =", pydeepgen.__file__)
x = pydeepgen.empty(1000); del x
cached = pydeepgen.memory_stats()["cached_bytes"]
print("sanitize: SIMD", pydeepgen.get_simd_level(), "of", pydeepgen.simd_levels(),
      "| allocator cache:", "on" if cached else "off")
for f in (C.__file__, pydeepgen.__file__):
    if not os.path.realpath(f).startswith(stage + os.sep):
        sys.exit(f"sanitize: {f} is not under {stage}: the staged copy is not the one imported")
if os.environ.get("SAN_ALLOC_CACHE") != "1" and cached:
    sys.exit("sanitize: the allocator cache is still on")
' "$STAGE") || { print_logs; die "the staged package does not import (or is not the one imported)"; }

stage "runtime self-test (a deliberate heap overflow must be reported)"
(cd "$STAGE" && san_env "" "$PY" -c '
import ctypes
libc = ctypes.CDLL(None)
libc.malloc.restype = ctypes.c_void_p
p = libc.malloc(8)
ctypes.memmove(ctypes.create_string_buffer(16), p, 16)  # reads 8 bytes past the block
') >/dev/null 2>&1
rc=$?
if [[ $rc -eq 0 ]] || ! grep -qs "heap-buffer-overflow" "$LOGS"/asan.*; then
  die "the ASan runtime did not report a deliberate overflow (rc $rc): reports would be missed"
fi
echo "sanitize: self-test reported and exited $rc, as it should"
rm -f "$LOGS"/asan.* "$LOGS"/ubsan.*

# ------------------------------------------------------------------------- 4. tests
sel=${SAN_TESTS:-default}
files=()
case $sel in
  default)
    for f in "$SRC"/tests/test_*.py; do
      [[ " $SAN_SLOW " = *" $(basename "$f" .py) "* ]] || files+=("$f")
    done ;;
  all) for f in "$SRC"/tests/test_*.py; do files+=("$f"); done ;;
  *) for t in $sel; do [[ $t = /* ]] && files+=("$t") || files+=("$SRC/$t"); done ;;
esac
deselect=()
[[ ${SAN_ALLOC_CACHE:-} = 1 ]] ||  # node ids are relative to the rootdir (the repo)
  deselect=(--deselect "tests/test_config.py::test_allocator_reuses_freed_blocks")

levels=${SAN_SIMD:-native}
if [[ $levels = all ]]; then
  levels="native $(cd "$STAGE" && san_env "" "$PY" -c 'import pydeepgen as p; print(*reversed(p.simd_levels()[:-1]))')"
fi

failed=()
runs=0
rm -f "$LOGS"/pytest.*.out
declare -A took
tt=$(date +%s)
for lv in $levels; do
  lvenv=()
  [[ $lv = native ]] || lvenv=("PDG_SIMD=$lv")
  for f in "${files[@]}"; do
    name=${f#$SRC/}
    base=$(basename "${f%%::*}")
    stage "pytest $name (PDG_SIMD=$lv)"
    t1=$(date +%s)
    senv "${FILE_ASAN[$base]:-}"
    runs=$((runs + 1))
    out="$LOGS/pytest.$runs.out"
    (cd "$STAGE" && timeout -k 10 "$TIMEOUT" env "${SENV[@]}" "${lvenv[@]}" \
        "$PY" -m pytest -p no:cacheprovider -p no:faulthandler -q -rfEsP \
        "${deselect[@]}" "$f" "$@") 2>&1 | tee "$out"
    rc=${PIPESTATUS[0]}
    took["$lv $name"]=$(( $(date +%s) - t1 ))
    # UBSan (gcc 12, combined with ASan) ignores log_path and writes to stderr: keep
    # every "runtime error:" the run printed (pytest's own stderr, and child output that
    # a failing test shows) as a report, with its stack.
    if grep -q "runtime error:" "$out"; then
      { echo "UBSan report(s) printed by: pytest $name (PDG_SIMD=$lv)"
        grep -A30 "runtime error:" "$out" | grep -E "runtime error:|^ *(E +)?#[0-9]+ |^--$"
      } > "$LOGS/ubsan.output.$runs"
    fi
    [[ $rc -eq 98 && ! -s $LOGS/ubsan.output.$runs ]] &&
      echo "ERROR: pytest $name (PDG_SIMD=$lv) exited 98 (UBSan's exit code here), report text not seen (see $out)" \
        > "$LOGS/ubsan.output.$runs"
    # 5: nothing collected (a node id / -k that matched nothing in this file)
    if [[ $rc -ne 0 && $rc -ne 5 ]]; then
      failed+=("$name (PDG_SIMD=$lv): rc $rc$([[ $rc -eq 124 ]] && echo ' (timeout)')")
    fi
  done
done
echo "sanitize: tests took $(( $(date +%s) - tt )) s"

# ------------------------------------------------------------------------- report
stage "summary"
for k in "${!took[@]}"; do echo "  ${took[$k]} s  $k"; done | sort -rn | head -50
print_logs
nlogs=$?
echo "=================================================================="
for f in "${failed[@]}"; do echo "sanitize: FAILED $f"; done
echo "sanitize: $(( $(date +%s) - T0 )) s in all; ${#failed[@]} pytest run(s) failed;" \
     "$nlogs sanitizer report(s) (logs in $LOGS)"
[[ $nlogs -gt 0 ]] && exit 1
[[ ${#failed[@]} -gt 0 ]] && exit 2
exit 0
