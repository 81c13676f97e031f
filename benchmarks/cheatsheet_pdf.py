"""Cheat-sheet PDF time, by phase, on the example workspace (and optionally a bigger one).

Each run times: importing WeasyPrint, building the content and fitting the
Markdown page, the WeasyPrint layout passes the PDF takes, and writing the
PDF (font subsetting). The PDF keeps what the Markdown page keeps, so it is
laid out once when that fits; for comparison the search for the most the PDF
page could hold on its own (as before) is timed too.

Run: `python benchmarks/cheatsheet_pdf.py [--runs 3] [--extra-cards 120]`
(import time is measured once, in a fresh process; the machine's load is printed).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def workspace(folder: Path, extra: int) -> Path:
    for name in ("prep.yaml",):
        shutil.copyfile(ROOT / name, folder / name)
    shutil.copytree(ROOT / "decks", folder / "decks")
    shutil.copytree(ROOT / "answers", folder / "answers")
    if extra:
        lines = ["deck: bulk", "cards:"]
        for i in range(extra):
            q = (
                f"긴 질문 {i}: "
                + "분산 시스템에서 일관성과 가용성의 트레이드오프를 설명해 주세요. " * 3
            )
            lines += [
                f"  - id: bulk-{i}",
                f"    topic: 주제 {i % 12}",
                f"    q: {json.dumps(q, ensure_ascii=False)}",
                f"    keywords: [{', '.join(f'키워드{j}' for j in range(8))}]",
            ]
        (folder / "decks" / "bulk.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def import_seconds() -> float:
    code = "import time; t = time.perf_counter(); import weasyprint; print(time.perf_counter() - t)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(out.stdout)


def run_once(root: Path, max_cards: int) -> dict[str, float]:
    from prep import cheatsheet
    from prep.clock import Clock
    from prep.schedule import Scheduler
    from prep.store import Store
    from prep.sync import sync
    from prep.workspace import find

    ws = find(str(root))
    store = Store(ws.db_path)
    sync(store, ws)
    options = cheatsheet.Options(max_cards=max_cards)
    t0 = time.perf_counter()
    content = cheatsheet.build(ws, store, Scheduler(0.9), Clock(), options)
    md = cheatsheet.fit_markdown(content)
    t1 = time.perf_counter()
    # The layout alone (fmt html: no PDF written), as `make` does it, then as it was.
    same = cheatsheet.fit_pdf(content, "a4", "html", most=md.kept)
    t2 = time.perf_counter()
    alone = cheatsheet.fit_pdf(content, "a4", "html")
    t3 = time.perf_counter()
    pdf = cheatsheet.fit_pdf(content, "a4", "pdf", most=md.kept)
    t4 = time.perf_counter()
    store.close()
    return {
        "items": len(content.items), "md_kept": md.kept, "build_md_s": t1 - t0,
        "layout_s": t2 - t1, "passes": same.renders, "kept": same.kept,
        "alone_s": t3 - t2, "alone_passes": alone.renders, "alone_kept": alone.kept,
        "write_s": (t4 - t3) - (t2 - t1), "bytes": len(pdf.data),
    }  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--extra-cards", type=int, default=0)
    parser.add_argument("--max-cards", type=int, default=10)
    args = parser.parse_args()
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError) as exc:
        print(f"WeasyPrint is not usable here: {exc}")
        return 1
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(f"import weasyprint (fresh process): {import_seconds():.2f} s")
    with tempfile.TemporaryDirectory() as tmp:
        root = workspace(Path(tmp), args.extra_cards)
        runs = [run_once(root, args.max_cards) for _ in range(args.runs)]
    first = runs[0]
    med = {k: statistics.median(r[k] for r in runs) for k in first}
    print(
        f"{first['items']} items; the Markdown page keeps {first['md_kept']}; "
        f"the PDF keeps {first['kept']} in {first['passes']} layout pass(es)"
    )
    print(
        f"median of {args.runs}: build + Markdown fit {med['build_md_s']:.2f} s, "
        f"layout {med['layout_s']:.2f} s, writing the PDF {med['write_s']:.2f} s "
        f"({first['bytes'] / 1024:.0f} KiB)"
    )
    print(
        f"the PDF page on its own (the earlier search): {first['alone_kept']} items in "
        f"{first['alone_passes']} pass(es), {med['alone_s']:.2f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
