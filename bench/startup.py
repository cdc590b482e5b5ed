"""Start-up benchmark (`make bench`, first): whole processes, as a person at a terminal waits for them.

Figures, medians of ``--runs`` (at least 5) after one untimed warm-up, bytecode cached as on a user's machine (this
environment's PYTHONDONTWRITEBYTECODE is removed from the children's environment, and the warm-up writes it):

1. ``python -c pass`` — the baseline: the interpreter and its site-packages (the same venv);
2. ``loa --version``;
3. ``loa --help`` — target: at most 4 times the baseline;
4. ``loa queue`` on a demo database (``loa init`` and the sample campaign imported as ``make demo`` does, 40 posts)
   — target: at most 0.25 s.

Then where the time of ``loa --help`` and ``loa queue`` goes: ``python -X importtime``, self time summed by
top-level package, the largest first.

    python bench/startup.py [--runs N] [--keep DIR]
"""
from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from table import save_row  # noqa: E402

PYTHON = str(Path(sys.executable))
LOA = str(Path(sys.executable).parent / "loa")
SAMPLE = ROOT / "assets" / "campaigns" / "hoc-tap-suot-doi-2024.toml"
HELP_TARGET_RATIO = 4.0
QUEUE_TARGET_S = 0.25
IMPORTTIME = re.compile(r"^import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)")


def child_environment(folder: Path) -> dict[str, str]:
    """The user's environment as loa sees it at a terminal: bytecode written and read, Vietnamese, this project."""
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    env.update({"LOA_CONFIG": str(folder / "config.toml"), "LOA_LANG": "vi", "COLUMNS": "100"})
    for name in ("LOA_DATABASE_URL", "LOA_DEBUG"):
        env.pop(name, None)
    return env


def run(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(args, env=env, cwd=cwd, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(args)} exited {result.returncode}: {result.stderr[-500:]}")
    return result


def median_seconds(args: list[str], env: dict[str, str], cwd: Path, runs: int) -> tuple[float, float, float, float]:
    """Median, min and max wall time of ``args`` as a whole process, after one untimed warm-up, and its median CPU
    time (user + system: less swayed than wall time by other work on a busy machine)."""
    run(args, env, cwd)
    times, cpu = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        run(args, env, cwd)
        times.append(time.perf_counter() - started)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return statistics.median(times), min(times), max(times), statistics.median(cpu)


def import_summary(args: list[str], env: dict[str, str], cwd: Path, top: int = 8) -> str:
    """Self time of every import, summed by top-level package (``sqlalchemy.orm`` counts for sqlalchemy)."""
    result = run([PYTHON, "-X", "importtime", *args], env, cwd)
    by_package: Counter[str] = Counter()
    total = 0
    for line in result.stderr.splitlines():
        match = IMPORTTIME.match(line)
        if match:
            by_package[match.group(4).split(".")[0]] += int(match.group(1))
            total += int(match.group(1))
    parts = [f"{name} {micro / 1000:.1f}" for name, micro in by_package.most_common(top)]
    return f"imports {total / 1000:.0f} ms in all; largest (ms): " + ", ".join(parts)


def build_demo(folder: Path, env: dict[str, str]) -> None:
    """``make demo``'s database before its run: the sample campaign imported, paced and approved."""
    run([LOA, "init"], env, folder)
    run([LOA, "campaign", "import", str(SAMPLE), "--start", "now", "--pace", "2", "--approve"], env, folder)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--keep", type=Path, help="build the demo database in DIR and keep it")
    options = parser.parse_args()
    runs = max(5, options.runs)
    folder = options.keep or Path(tempfile.mkdtemp(prefix="loa-startup-"))
    folder.mkdir(parents=True, exist_ok=True)
    env = child_environment(folder)
    try:
        build_demo(folder, env)
        listed = run([LOA, "queue"], env, folder).stdout
        print(f"demo database: {folder / 'var' / 'loa.db'}; `loa queue` lists {listed.count(chr(10))} lines")
        print(f"load average before: {os.getloadavg()[0]:.2f} (1 min); medians of {runs} runs (min-max)")
        figures = {}
        for name, args in (("python -c pass", [PYTHON, "-c", "pass"]), ("loa --version", [LOA, "--version"]),
                           ("loa --help", [LOA, "--help"]), ("loa queue", [LOA, "queue"]),
                           ("loa queue --json", [LOA, "queue", "--json"])):
            figures[name] = median, low, high, cpu = median_seconds(args, env, folder, runs)
            print(f"  {name:<18} {median * 1000:7.1f} ms  ({low * 1000:.1f}-{high * 1000:.1f}); "
                  f"CPU {cpu * 1000:.1f} ms")
        load = os.getloadavg()[0]
        print(f"load average after: {load:.2f}")
        for name, args in (("loa --help", [LOA, "--help"]), ("loa queue", [LOA, "queue"])):
            print(f"  {name}: {import_summary(args, env, folder)}")
        baseline = figures["python -c pass"][0]
        ratio = figures["loa --help"][0] / baseline
        cpu_ratio = figures["loa --help"][3] / figures["python -c pass"][3]
        note = (f"median of {runs}, bytecode cached; load {load:.2f}; CPU time: --help {cpu_ratio:.1f}x pass, "
                f"queue {figures['loa queue'][3]:.3f} s")
        save_row("loa --help", f"{figures['loa --help'][0]:.3f} s ({ratio:.1f}x)", f"{baseline:.3f} s (python -c pass)",
                 f"<= {HELP_TARGET_RATIO:g}x python -c pass", ratio <= HELP_TARGET_RATIO, note)
        queue = figures["loa queue"][0]
        save_row("loa queue (demo database)", f"{queue:.3f} s", f"{baseline:.3f} s (python -c pass)",
                 f"<= {QUEUE_TARGET_S} s", queue <= QUEUE_TARGET_S, note)
        print(f"loa --help: {ratio:.2f}x python -c pass (target <= {HELP_TARGET_RATIO:g}x); "
              f"loa queue: {queue:.3f} s (target <= {QUEUE_TARGET_S} s)")
    finally:
        if options.keep is None:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
