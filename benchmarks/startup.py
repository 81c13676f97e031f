"""Startup and sync figures on a 10,000-card workspace.

    python benchmarks/startup.py [--runs N] [--cards N]

Prints the median (and min/max) wall time of whole processes:
`python -c pass` for scale, `prep --help`, `prep status` with unchanged decks,
the first card of `prep drill`, and `prep status` right after one 10k-card
deck changed (a full re-sync). Targets on a 2-core machine: status < 80 ms,
--help < 100 ms, first drill card < 200 ms, re-sync < 1 s.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGETS_MS = {
    "prep status": 80,
    "prep --help": 100,
    "prep drill (first card)": 200,
    "re-sync 10k-card deck": 1000,
}


def build(root: Path, n: int) -> None:
    (root / "decks").mkdir(parents=True)
    (root / "answers").mkdir()
    (root / "prep.yaml").write_text(
        "candidate: {name: Bench}\ncompany: {name: Bench, values: []}\n"
        "settings: {new_per_day: 20, max_reviews_per_day: 500}\n",
        encoding="utf-8",
    )
    lines = ["deck: big", "title: 10k cards", "cards:"]
    for i in range(n):
        lines += [
            f"  - id: card-{i:05d}",
            f"    topic: topic {i % 12}",
            f"    q: 질문 {i}번 — PostgreSQL 인덱스와 격리 수준에 대해 설명해주세요 ({i})",
            "    a: |",
            f"      - 답변 요점 {i}: B-tree, GIN, READ COMMITTED",
            "      - EXPLAIN ANALYZE로 확인",
            "    keywords: [인덱스, 격리 수준, EXPLAIN]",
            "    tags: [db, bench]",
        ]
    (root / "decks" / "big.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def timed(
    cmd: list[str], env: dict[str, str], runs: int, stdin: str | None = None, before=None
) -> list[float]:
    out = []
    for _ in range(runs):
        if before:
            before()
        t0 = time.perf_counter()
        r = subprocess.run(cmd, input=stdin, capture_output=True, text=True, env=env)
        out.append((time.perf_counter() - t0) * 1000)
        if r.returncode != 0:
            sys.exit(f"{' '.join(cmd)} failed:\n{r.stderr}")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--cards", type=int, default=10_000)
    ap.add_argument("--json", action="store_true", help="print one JSON document")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "ws"
        build(root, args.cards)
        env = dict(os.environ, PREP_WORKSPACE=str(root))
        env.pop("PREP_DB", None)
        # Measure what an installed copy does: byte-compiled modules, written once.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(Path(__file__).parent.parent / "prep")],
                       env=env, check=False, capture_output=True)  # fmt: skip
        prep = [sys.executable, "-m", "prep"]
        t0 = time.perf_counter()
        subprocess.run([*prep, "status"], env=env, check=True, capture_output=True)
        first_sync = (time.perf_counter() - t0) * 1000
        deck = root / "decks" / "big.yaml"
        counter = iter(range(10**9))

        def touch_deck() -> None:  # a real content change: hash differs, the deck is re-read
            with deck.open("a", encoding="utf-8") as f:
                f.write(f"# edit {next(counter)}\n")

        results = {
            "python -c pass": timed([sys.executable, "-c", "pass"], env, args.runs),
            "prep --help": timed([*prep, "--help"], env, args.runs),
            "prep status": timed([*prep, "status"], env, args.runs),
            "prep drill (first card)": timed([*prep, "drill"], env, args.runs, stdin="q\n"),
            "re-sync 10k-card deck": timed(
                [*prep, "status"], env, max(3, args.runs // 3), before=touch_deck
            ),
        }
    base = statistics.median(results["python -c pass"])
    rows = {
        name: {
            "median_ms": round(statistics.median(v), 1),
            "min_ms": round(min(v), 1),
            "max_ms": round(max(v), 1),
            "x_python": round(statistics.median(v) / base, 1),
            "target_ms": TARGETS_MS.get(name),
        }
        for name, v in results.items()
    }
    rows["first sync (empty db)"] = {"median_ms": round(first_sync, 1), "min_ms": None, "max_ms": None,
                                     "x_python": round(first_sync / base, 1), "target_ms": None}  # fmt: skip
    if args.json:
        print(json.dumps({"cards": args.cards, "runs": args.runs, "results": rows}, indent=2))
        return
    print(f"{args.cards:,} cards, {args.runs} runs each (median / min / max, ms)")
    print(f"{'command':28} {'median':>8} {'min':>8} {'max':>8} {'x python':>9} {'target':>7}")
    for name, row in rows.items():
        fmt = lambda v: "" if v is None else f"{v:.1f}"  # noqa: E731
        target = row["target_ms"]
        verdict = "" if target is None else ("ok" if row["median_ms"] < target else "OVER")
        print(
            f"{name:28} {fmt(row['median_ms']):>8} {fmt(row['min_ms']):>8} {fmt(row['max_ms']):>8} "
            f"{row['x_python']:>9} {'' if target is None else target:>7} {verdict}"
        )


if __name__ == "__main__":
    main()
