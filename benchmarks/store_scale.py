"""The store at scale: first sync of the decks, rebuild from the log, status counts, daily backup.

For each size N (cards), a workspace from benchmarks/big_workspace.py in a
temporary folder: the first sync of its decks into a new database (the
product's `prep.sync.sync`), then 60 days of reviews, then `Store.rebuild`
(every card state replayed from the log), `Store.counts` (what `prep status`
shows), the daily backup (`prep.backup.daily_backup`), and a re-sync after
editing one question in each deck file. Wall-clock seconds of each, and the
ratios between sizes (linear work grows 10x from one size to the next), and the
same in CPU seconds of the process (steadier than wall time on a shared machine).

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


class _Timer:
    def __init__(self, out: dict[str, float], cpu: dict[str, float], name: str):
        self.out, self.cpu, self.name = out, cpu, name

    def __enter__(self) -> None:
        self.t, self.c = time.perf_counter(), time.process_time()

    def __exit__(self, *exc: object) -> None:
        self.out[self.name] = time.perf_counter() - self.t
        self.cpu[self.name] = time.process_time() - self.c


def run(n: int, folder: Path) -> tuple[dict[str, float], dict[str, float]]:
    from prep import backup, workspace
    from prep.clock import FakeClock
    from prep.schedule import Scheduler
    from prep.store import Store
    from prep.sync import sync

    root = build(folder / f"ws{n}", n)
    ws = workspace.find(str(root), None)
    clock = FakeClock(EPOCH)
    out: dict[str, float] = {}
    cpu: dict[str, float] = {}

    store = Store(ws.db_path)
    store._first_write_done = True  # the backup is measured on its own below
    with _Timer(out, cpu, "first sync"):
        report = sync(store, ws, clock)
    assert report.added == n, report.added
    ids = [r[0] for r in store.conn.execute("SELECT id FROM cards")]
    store.close()
    reviews = add_history(ws.db_path, ids)

    store = Store(ws.db_path)
    store._first_write_done = True
    with _Timer(out, cpu, "rebuild"):
        store.rebuild(Scheduler(fuzz=False))
    tz = clock.local_tz()
    with _Timer(out, cpu, "counts"):
        store.counts(EPOCH, EPOCH - timedelta(hours=5), tz, 4)
    with _Timer(out, cpu, "daily backup"):
        made = backup.daily_backup(store, date(2027, 1, 4))
    assert made is not None

    for path in sorted((root / "decks").glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace("q: ", "q: (수정) ", 1), encoding="utf-8")
    with _Timer(out, cpu, "edit re-sync"):
        report = sync(store, ws, clock)
    store.close()
    print(
        f"  N={n:>7,}: {reviews:,} reviews; "
        + ", ".join(f"{k} {v:.2f} s ({cpu[k]:.2f} CPU)" for k, v in out.items()),
        file=sys.stderr,
        flush=True,
    )
    return out, cpu


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--sizes", default="1000,10000,100000")
    args = p.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    results: dict[int, tuple[dict[str, float], dict[str, float]]] = {}
    with tempfile.TemporaryDirectory(prefix="prep-scale-") as tmp:
        for n in sizes:
            results[n] = run(n, Path(tmp))
    ratios = list(zip(sizes, sizes[1:], strict=False))
    for which, title in ((0, "wall seconds"), (1, "CPU seconds")):
        head = f"{title:<14}" + "".join(f"{f'{n:,}':>10}" for n in sizes)
        head += "".join(f"{f'{b // 1000}k/{a // 1000}k':>10}" for a, b in ratios)
        print(head)
        for m in MEASURES:
            got = {n: results[n][which][m] for n in sizes}
            line = f"{m:<14}" + "".join(f"{got[n]:>9.2f}s" for n in sizes)
            line += "".join(f"{got[b] / max(got[a], 1e-9):>9.1f}x" for a, b in ratios)
            print(line)
        print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
