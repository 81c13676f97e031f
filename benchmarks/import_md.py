"""Import speed: a generated 5,000-question Markdown file, read and written as a deck.

The file mixes the shapes the importer reads: numbered and bulleted question
lists under headings (with nested notes), `####`-titled questions with a
paragraph (some with code), and topic notes with code fences; half the text is
Korean. Each run reads the file, plans the deck (ids, merge with the existing
file, the YAML text and its read-back check) and writes it. The first run
writes a new deck; later runs re-import into it, the common case.

Run: `python benchmarks/import_md.py [--questions 5000] [--runs 7]`
Prints the median and spread in seconds (target: under 3 s for 5,000).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET_S = 3.0


def generate(n: int) -> str:
    """n questions in sections of 25, cycling through the shapes."""
    out = ["# Generated question bank", "", "Intro text, not a question.", ""]
    made = 0
    section = 0
    while made < n:
        shape = section % 4
        section += 1
        per = min(25, n - made)
        if shape == 0:
            out += [f"## Python topic {section}", ""]
            for i in range(per):
                out.append(f"{i + 1}. What does feature {section}-{i} of the runtime do, and why?")
                if i % 3 == 0:
                    out += ["   - point one about it", "   - point two with `code`"]
        elif shape == 1:
            out += [f"## 데이터베이스 주제 {section}", ""]
            for i in range(per):
                out.append(f"- 인덱스 설계 {section}-{i}에서 고려할 점은 무엇인가요?")
        elif shape == 2:
            out += [f"### Questions about Systems {section}:", ""]
            for i in range(per):
                out += [f"#### Case {section}-{i}", f"How would you scale service {section}-{i}?"]
                if i % 5 == 0:
                    out += ["```python", "# a comment, not a heading", f"x = {i}", "```"]
                out.append("")
        else:
            out += [f"## Notes {section}", ""]
            for i in range(per):
                out += [
                    f"### 개념 {section}-{i}",
                    "",
                    f"설명 {i}: 이 개념은 요청마다 다르게 동작한다.",
                    "",
                    "```sql",
                    f"SELECT * FROM t WHERE id = {i};",
                    "```",
                    "",
                ]
        out.append("")
        made += per
    return "\n".join(out) + "\n"


def run_once(src: Path, out: Path) -> tuple[float, int]:
    from prep.importers import import_file
    from prep.importers.writer import plan_import, write

    t0 = time.perf_counter()
    imported = import_file(src)
    plan = plan_import(imported, out)
    if plan.changed:
        write(plan)
    return time.perf_counter() - t0, len(plan.cards)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--questions", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "bank.md"
        src.write_text(generate(args.questions), encoding="utf-8")
        out = Path(tmp) / "decks" / "bank.yaml"
        first, cards = run_once(src, out)
        times = [run_once(src, out)[0] for _ in range(args.runs)]
        size = src.stat().st_size
    med = statistics.median(times)
    print(f"source: {args.questions} questions, {size / 1024:.0f} KiB; deck: {cards} cards")
    print(f"first import (new deck):  {first:.2f} s")
    print(
        f"re-import, {args.runs} runs:     median {med:.2f} s  "
        f"(min {min(times):.2f}, max {max(times):.2f})"
    )
    print(f"target: under {TARGET_S:.1f} s -> {'ok' if max(first, med) < TARGET_S else 'SLOW'}")
    return 0 if cards == args.questions else 1


if __name__ == "__main__":
    raise SystemExit(main())
