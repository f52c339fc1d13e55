#!/usr/bin/env python3
"""keel's layering and shape checks: the rules of STYLE.md that a compiler does not enforce.

  - include direction: each src/<lib> may include only the keel libraries below it;
  - line length: at most 100 columns in C++ sources;
  - no TODO without an issue number: TODO(#N) only.

Prints one line per violation as path:line: message, and exits 1 if there is any.
"""
import argparse
import pathlib
import re
import sys

# Which keel headers each library may include ("*" = any file in that library; a path = that
# file only). A library may always include its own headers.
ALLOWED = {
    "base": set(),
    "raft": {"base"},
    "storage": {"base", "raft/types.h"},
    "kv": {"base"},
    "transport": {"base", "raft", "proto"},
    "client": {"base", "proto", "client"},
    "server": {"base", "raft", "storage", "kv", "transport", "proto", "client"},
    "sim": {"base", "raft", "storage", "kv"},
    "check": {"base"},
}

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')
TODO = re.compile(r"\bTODO\b(?!\(#\d+\))")
LINE_COLUMNS_MAX = 100


def check_include(lib, target):
    top = target.split("/", 1)[0]
    if top == lib:
        return None
    if top not in ALLOWED and top not in {"tests", "tools", "sim"}:
        return None  # a third-party header in quotes, or a generated one
    allowed = ALLOWED.get(lib, set())
    if top in allowed or target in allowed:
        return None
    return f'{lib} may not include "{target}" (allowed: {", ".join(sorted(allowed)) or "nothing of keel"})'


def check_file(root, path):
    rel = path.relative_to(root)
    parts = rel.parts
    lib = parts[1] if parts[0] == "src" and len(parts) > 2 else None
    problems = []
    for number, line in enumerate(path.read_text(errors="replace").splitlines(), start=1):
        if len(line) > LINE_COLUMNS_MAX:
            problems.append(f"{rel}:{number}: line is {len(line)} columns (max {LINE_COLUMNS_MAX})")
        if TODO.search(line):
            problems.append(f"{rel}:{number}: TODO without an issue number; write TODO(#N)")
        match = INCLUDE.match(line)
        if lib and match:
            message = check_include(lib, match.group(1))
            if message:
                problems.append(f"{rel}:{number}: {message}")
    return problems


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--root", default=pathlib.Path(__file__).resolve().parents[2])
    args = parser.parse_args()
    root = pathlib.Path(args.root)
    files = []
    for folder in ("src", "tests", "tools", "bench"):
        for suffix in ("*.h", "*.cc"):
            files.extend((root / folder).rglob(suffix))
    problems = []
    for path in sorted(files):
        problems.extend(check_file(root, path))
    for problem in problems:
        print(problem)
    print(f"tidy: {len(files)} files, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
