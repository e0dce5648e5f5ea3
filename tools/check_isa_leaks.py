#!/usr/bin/env python3
"""Prove that no code compiled for AVX2/AVX-512 can run before the CPU check.

The rule (docs/architecture.md, "SIMD dispatch"): a function that contains a
VEX- or EVEX-encoded instruction must live in the namespace of its instruction
set, ``pdg::avx2::`` or ``pdg::avx512::``, and an AVX-512 instruction only in
``pdg::avx512::``. Baseline code reaches those namespaces only through function
pointers handed out after ``cpu_has_*()`` said yes. Anything else with wide
instructions is a leak: typically an inline function, template or implicit
member that an ISA file instantiated and the linker then merged with the
baseline copy (one definition rule: the linker keeps one of them, either one).

Usage:
    python tools/check_isa_leaks.py [path/to/_C*.so]   (default: the installed one)

Reads ``objdump -d`` of the shared object, classifies every function by the
widest instruction it contains and exits 1 listing each leak. Only x86-64
objects are audited; on other machines it says so and exits 0.
"""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

# A register or mnemonic that only exists with AVX-512 (EVEX encoding).
AVX512_RE = re.compile(
    r"%zmm|%k[0-7]\b|%[xy]mm(1[6-9]|2[0-9]|3[01])\b|\{%k|\{1to\d+\}"
    r"|^v\S*(32x[48]|64x[24])\b|^v(pternlog|permt2|permi2|compress|expand|pro[lr]|"
    r"movdq[au](8|16|32|64)|rcp14|rsqrt14|getexp|getmant|scalef|rndscale|fixupimm|"
    r"reduce|range|fpclass|pmov[su]?[dqw][bdw]\b|pcmp[a-z]*[bdwq]\s+.*%k|kmov|kand|kor)"
)
FUNC_RE = re.compile(r"^[0-9a-f]+ <(.+)>:$")

# Not ours: CUDA's static runtime checks the CPU itself before it uses AVX.
FOREIGN = ("cuda", "__cuda", "cudart", "libcudart", "_GLOBAL__sub_I_cuda")


def find_extension() -> Path:
    import importlib.util

    spec = importlib.util.find_spec("pydeepgen._C")
    if spec is None or spec.origin is None:
        sys.exit("check_isa_leaks: pydeepgen._C is not installed; pass the .so path")
    return Path(spec.origin)


def classify(lines: list[str]) -> str:
    level = "baseline"
    for ins in lines:
        if AVX512_RE.search(ins):
            return "avx512"
        if ins.startswith("v") or "%ymm" in ins:
            level = "avx"
    return level


def functions(so: Path):
    out = subprocess.run(
        ["objdump", "-d", "-C", "--no-show-raw-insn", "-M", "suffix", str(so)],
        check=True, capture_output=True, text=True).stdout
    name, body = None, []
    for line in out.splitlines():
        m = FUNC_RE.match(line)
        if m:
            if name is not None:
                yield name, body
            name, body = m.group(1), []
        elif name is not None and "\t" in line:
            parts = line.split("\t")
            if len(parts) >= 2:
                body.append(parts[-1].strip())
    if name is not None:
        yield name, body


def allowed(name: str, level: str) -> bool:
    if level == "baseline":
        return True
    if name.startswith(FOREIGN) or "cudart" in name:
        return True
    if "pdg::avx512::" in name:
        return True
    return level == "avx" and "pdg::avx2::" in name


def main(argv: list[str]) -> int:
    so = Path(argv[1]) if len(argv) > 1 else find_extension()
    head = so.read_bytes()[:20]
    if head[:4] != b"\x7fELF" or int.from_bytes(head[18:20], "little") != 62:
        print(f"check_isa_leaks: {so.name} is not an x86-64 ELF object; nothing to audit")
        return 0
    sections = subprocess.run(["readelf", "-S", "-W", str(so)], check=True,
                              capture_output=True, text=True).stdout
    if ".symtab" not in sections:
        # Only exported names would label the code: local functions would be
        # counted under the nearest export, and the audit would mean nothing.
        print(f"check_isa_leaks: {so} is stripped (no .symtab); build it with "
              "install.strip = false (pyproject.toml) or pass the build tree's copy")
        return 2
    counts = {"baseline": 0, "avx": 0, "avx512": 0}
    leaks = []
    for name, body in functions(so):
        level = classify(body)
        counts[level] += 1
        if not allowed(name, level):
            leaks.append((level, name))
    print(f"check_isa_leaks: {so.name}: {counts['baseline']} baseline functions, "
          f"{counts['avx']} with AVX/AVX2, {counts['avx512']} with AVX-512")
    for level, name in leaks:
        print(f"  LEAK ({level} outside pdg::{'avx512' if level == 'avx512' else 'avx2'}::): {name}")
    if leaks:
        print(f"check_isa_leaks: {len(leaks)} functions with wide instructions outside "
              "their ISA namespace")
        return 1
    print("check_isa_leaks: ok, every wide instruction sits in its ISA namespace")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
