#!/usr/bin/env python3
"""Run the project's benchmarks: each measures its anchor in the same run and prints the ratio.

    python bench/run.py [--quick] [--scale] [--only NAME ...] [--json]

Each benchmark module defines NAME and `run(*, quick) -> dict` with at least value, anchor,
ratio, target, unit and pass. The exit code is 1 when any benchmark misses its target.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

#: Benchmark modules in bench/, in the order they run.
BENCHMARKS = ("content_load", "content_graph", "writes", "login", "learner_page", "dashboard", "studio",
              "invite", "people_page", "assign", "learner_journey")


def available() -> dict[str, Any]:
    """Import every benchmark module that exists in this checkout."""
    found = {}
    for name in BENCHMARKS:
        try:
            module = importlib.import_module(f"bench.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"bench.{name}":
                raise
            continue
        found[module.NAME] = module
    return found


def _line(name: str, result: dict[str, Any]) -> str:
    verdict = "PASS" if result["pass"] else "FAIL"
    extras = {k: v for k, v in result.items()
              if k not in {"value", "anchor", "ratio", "target", "unit", "pass"}}
    details = "  ".join(f"{k}={_fmt(v)}" for k, v in extras.items())
    return (f"{name:<14} value={_fmt(result['value'])} {result['unit']}  "
            f"anchor={_fmt(result['anchor'])} {result['unit']}  ratio={_fmt(result['ratio'])}  "
            f"target {result['target']}  {verdict}\n{'':<14} {details}")


def _fmt(value: Any) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def main(argv: list[str] | None = None) -> int:
    """Run the selected benchmarks and print their figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller workloads, for CI and checks")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="run only these benchmarks")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--scale", action="store_true",
                        help="also report the growth curve where a benchmark has one (slow)")
    args = parser.parse_args(argv)
    modules = available()
    unknown = set(args.only or ()) - set(modules)
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(sorted(unknown))}; "
                     f"available: {', '.join(modules)}")
    results = {}
    for name, module in modules.items():
        if args.only and name not in args.only:
            continue
        accepts_scale = "scale" in inspect.signature(module.run).parameters
        results[name] = module.run(quick=args.quick, scale=args.scale) if accepts_scale else module.run(
            quick=args.quick)
        if not args.json:
            print(_line(name, results[name]), flush=True)
    if args.json:
        print(json.dumps(results, indent=2, default=str))
    return 0 if all(r["pass"] for r in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
