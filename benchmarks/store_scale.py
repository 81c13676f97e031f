"""The store at scale: first sync of the decks, rebuild from the log, status counts, daily backup.

For each size N (cards), a workspace from benchmarks/big_workspace.py in a
temporary folder: the first sync of its decks into a new database (the
product's `prep.sync.sync`), then 60 days of reviews, then `Store.rebuild`
(every card state replayed from the log), `Store.counts` (what `prep status`
shows), the daily backup (`prep.backup.daily_backup`), and a re-sync after
editing one question in each deck file. Wall-clock seconds of each, and the
ratios between sizes (linear work grows 10x from one size to the next).

    nice -n 10 .venv/bin/python benchmarks/store_scale.py             # 1k, 10k, 100k
    .venv/bin/python benchmarks/store_scale.py --sizes 1000,10000
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from big_workspace import EPOCH, add_history, build  # noqa: E402

MEASURES = ("first sync", "rebuild", "counts", "daily backup", "edit re-sync")


def run(n: int, folder: Path) -> dict[str, float]:
    from prep import backup, workspace
    from prep.clock import FakeClock
    from prep.schedule import Scheduler
    from prep.store import Store
    from prep.sync import sync

    root = build(folder / f"ws{n}", n)
    ws = workspace.find(str(root), None)
    clock = FakeClock(EPOCH)
    out: dict[str, float] = {}

    store = Store(ws.db_path)
    store._first_write_done = True  # the backup is measured on its own below
    t = time.perf_counter()
    report = sync(store, ws, clock)
    out["first sync"] = time.perf_counter() - t
    assert report.added == n, report.added
    ids = [r[0] for r in store.conn.execute("SELECT id FROM cards")]
    store.close()
    reviews = add_history(ws.db_path, ids)

    store = Store(ws.db_path)
    store._first_write_done = True
    t = time.perf_counter()
    store.rebuild(Scheduler(fuzz=False))
    out["rebuild"] = time.perf_counter() - t
    tz = clock.local_tz()
    t = time.perf_counter()
    store.counts(EPOCH, EPOCH - timedelta(hours=5), tz, 4)
    out["counts"] = time.perf_counter() - t
    t = time.perf_counter()
    made = backup.daily_backup(store, date(2027, 1, 4))
    out["daily backup"] = time.perf_counter() - t
    assert made is not None

    for path in sorted((root / "decks").glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace("q: ", "q: (수정) ", 1), encoding="utf-8")
    t = time.perf_counter()
    report = sync(store, ws, clock)
    out["edit re-sync"] = time.perf_counter() - t
    store.close()
    print(
        f"  N={n:>7,}: {reviews:,} reviews; " + ", ".join(f"{k} {v:.2f} s" for k, v in out.items()),
        file=sys.stderr,
        flush=True,
    )
    return out


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--sizes", default="1000,10000,100000")
    args = p.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    results: dict[int, dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="prep-scale-") as tmp:
        for n in sizes:
            results[n] = run(n, Path(tmp))
    head = f"{'measure':<14}" + "".join(f"{f'{n:,}':>10}" for n in sizes)
    ratios = [(a, b) for a, b in zip(sizes, sizes[1:], strict=False)]
    head += "".join(f"{f'{b // 1000}k/{a // 1000}k':>10}" for a, b in ratios)
    print(head)
    for m in MEASURES:
        line = f"{m:<14}" + "".join(f"{results[n][m]:>9.2f}s" for n in sizes)
        line += "".join(f"{results[b][m] / max(results[a][m], 1e-9):>9.1f}x" for a, b in ratios)
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
