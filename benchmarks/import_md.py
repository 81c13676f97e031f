"""Import speed: a generated 5,000-question Markdown file, read and written as a deck.

The file mixes the shapes the importer reads: numbered and bulleted question
lists under headings (with nested notes), `####`-titled questions with a
paragraph (some with code), and topic notes with code fences; half the text is
Korean. Each run reads the file, plans the deck (ids, merge with the existing
file, the YAML text and its read-back check) and writes it. The first run
writes a new deck; later runs re-import into it after 1% of the questions
were edited (two versions of the source, taken in turn), the common case.

Run: `python benchmarks/import_md.py [--questions 5000] [--runs 7]`
Prints wall and CPU seconds, median and spread, and the machine's load (CPU
time is the figure that holds on a busy machine). Target: under 3 s for 5,000.
Then 140 KB of inline openers that never close (`x <!-- ` or `~~a ` over and
over), each kind read on its own: under 1 s of CPU for the slowest. Also the
cost of learning the card ids of a large deck beside the import (a scan).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET_S = 3.0


def generate(n: int, edited: bool = False) -> str:
    """n questions in sections of 25, cycling through the shapes; `edited`
    rewords one question in a hundred."""
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
                extra = " in production" if edited and i == 7 else ""
                out.append(
                    f"{i + 1}. What does feature {section}-{i} of the runtime do{extra}, and why?"
                )
                if i % 3 == 0:
                    out += ["   - point one about it", "   - point two with `code`"]
        elif shape == 1:
            out += [f"## 데이터베이스 주제 {section}", ""]
            for i in range(per):
                extra = " 실무에서" if edited and i == 7 else ""
                out.append(f"- 인덱스 설계 {section}-{i}에서{extra} 고려할 점은 무엇인가요?")
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


def run_once(src: Path, out: Path) -> tuple[float, float, int, int]:
    from prep.importers import import_file
    from prep.importers.writer import plan_import, write

    t0, c0 = time.perf_counter(), time.process_time()
    imported = import_file(src)
    plan = plan_import(imported, out)
    if plan.changed:
        write(plan)
    return time.perf_counter() - t0, time.process_time() - c0, len(plan.cards), len(plan.updated)


OPENERS = ("x <!-- ", "~~a ", "**a ", "__a ", "*a ", "_a ")
OPENERS_TARGET_S = 1.0


def openers_file(opener: str, size: int = 140_000) -> str:
    """`size` bytes of questions whose inline openers (`<!--`, `~~`, `**`, ...) never
    close: a careless or hostile file that once took time quadratic in its length."""
    body = opener * (size // len(opener))
    # One paragraph, then the same openers as a list of distinct questions.
    half = len(body) // 2
    lines = [f"- What is {opener * 30}{i}?" for i in range(half // (len(opener) * 30))]
    return f"# Openers\n\nWhat {body[:half]}?\n\n## Questions\n\n" + "\n".join(lines) + "\n"


def run_openers() -> float:
    from prep.importers.markdown import parse_markdown

    worst = 0.0
    for opener in OPENERS:
        text = openers_file(opener) + "".join(f"- Which {i}?\n" for i in range(3))
        c0 = time.process_time()
        parse_markdown(text, "openers.md")
        worst = max(worst, time.process_time() - c0)
    return worst


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--questions", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        versions = [Path(tmp) / "bank.md", Path(tmp) / "bank-edited.md"]
        versions[0].write_text(generate(args.questions), encoding="utf-8")
        versions[1].write_text(generate(args.questions, edited=True), encoding="utf-8")
        out = Path(tmp) / "decks" / "bank.yaml"
        first, first_cpu, cards, _ = run_once(versions[0], out)
        times, cpu, updated = [], [], []
        for k in range(args.runs):
            seconds, cpu_s, cards_now, changed = run_once(versions[(k + 1) % 2], out)
            times.append(seconds)
            cpu.append(cpu_s)
            updated.append(changed)
            if cards_now != cards:
                print(f"re-import changed the card count: {cards} -> {cards_now}")
                return 1
        size = versions[0].stat().st_size
        from prep.importers.writer import ids_in_decks

        c0 = time.process_time()
        ids, _ = ids_in_decks([out])
        scan_cpu = time.process_time() - c0
    med, med_cpu = statistics.median(times), statistics.median(cpu)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"source: {args.questions} questions, {size / 1024:.0f} KiB; deck: {cards} cards")
    print(f"machine: {os.cpu_count()} CPUs, load average {load:.1f} (wall time suffers above ~1)")
    print(f"first import (new deck):        wall {first:.2f} s, cpu {first_cpu:.2f} s")
    print(
        f"re-import ({max(updated)} edited), {args.runs} runs:  median wall {med:.2f} s "
        f"(min {min(times):.2f}, max {max(times):.2f}), cpu {med_cpu:.2f} s"
    )
    worst = max(first_cpu, med_cpu)
    print(f"target: under {TARGET_S:.1f} s of cpu -> {'ok' if worst < TARGET_S else 'SLOW'}")
    print(
        f"ids of a {cards}-card deck beside an import (scan, not a parse): cpu {scan_cpu:.3f} s, "
        f"{len(ids)} ids"
    )
    openers = run_openers()
    print(
        f"140 KB of unclosed inline openers ({', '.join(o.strip() for o in OPENERS)}), "
        f"slowest: cpu {openers:.2f} s; target under {OPENERS_TARGET_S:.1f} s -> "
        f"{'ok' if openers < OPENERS_TARGET_S else 'SLOW'}"
    )
    return 0 if cards == args.questions and openers < OPENERS_TARGET_S else 1


if __name__ == "__main__":
    raise SystemExit(main())
