"""`prep init DIR` copies exactly the bundled example (prep/example/), never the working tree.

The repository root is the example workspace people drill in, so its decks/
gather the user's own imports and debriefs (decks/asked.yaml); init must not
hand those to a new workspace. prep/example/ is a clean copy of the root's
tracked example. After editing the example, refresh the copy with
`python tests/test_init_example.py --refresh`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BUNDLED = ROOT / "prep" / "example"


def tracked_example() -> list[str] | None:
    """The example files git tracks at the root, or None outside a git checkout."""
    if not (ROOT / ".git").exists() or shutil.which("git") is None:
        return None
    out = subprocess.run(
        ["git", "ls-files", "prep.yaml", "decks", "answers"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return sorted(line for line in out.splitlines() if line)


def bundled() -> dict[str, bytes]:
    return {
        p.relative_to(BUNDLED).as_posix(): p.read_bytes() for p in BUNDLED.rglob("*") if p.is_file()
    }


def test_the_bundled_copy_equals_the_tracked_example() -> None:
    tracked = tracked_example()
    if tracked is None:
        pytest.skip("not a git checkout")
    copy = bundled()
    assert sorted(copy) == tracked, "run `python tests/test_init_example.py --refresh`"
    for rel in tracked:
        assert copy[rel] == (ROOT / rel).read_bytes(), (
            f"prep/example/{rel} differs from {rel}: run `python tests/test_init_example.py --refresh`"
        )


def test_init_from_a_checkout_with_the_users_own_decks_copies_only_the_example(
    tmp_path: Path,
) -> None:
    """An editable install runs the package from the checkout: the same as PYTHONPATH."""
    checkout = tmp_path / "clone"
    shutil.copytree(ROOT / "prep", checkout / "prep", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copyfile(ROOT / "prep.yaml", checkout / "prep.yaml")
    shutil.copytree(ROOT / "decks", checkout / "decks")
    shutil.copytree(ROOT / "answers", checkout / "answers")
    # What a user adds by working in the clone: an imported deck, a debrief, a story.
    (checkout / "decks" / "mine.yaml").write_text(
        "deck: mine\ncards:\n  - q: My own question?\n", encoding="utf-8"
    )
    (checkout / "decks" / "asked.yaml").write_text(
        "deck: asked\ncards:\n  - q: What they asked me?\n", encoding="utf-8"
    )
    (checkout / "answers" / "my-story.md.j2").write_text(
        "---\nid: my-story\n---\n", encoding="utf-8"
    )
    with open(checkout / "decks" / "concepts.yaml", "a", encoding="utf-8") as fh:
        fh.write("  - q: An edit of my own to the example deck?\n")
    env = dict(os.environ, PYTHONPATH=str(checkout))
    target = tmp_path / "new"
    r = subprocess.run(
        [sys.executable, "-m", "prep", "init", str(target)],
        cwd=checkout,
        env=env,
        capture_output=True,
        text=True,
    )
    assert r.returncode == 0, r.stderr
    made = {
        p.relative_to(target).as_posix(): p.read_bytes()
        for p in target.rglob("*")
        if p.is_file() and p.name != ".gitignore"
    }
    assert made == bundled()
    assert f"({len(made)} files)" in r.stdout
    assert "mine.yaml" not in r.stdout and not (target / "decks" / "asked.yaml").exists()


def refresh() -> None:
    tracked = tracked_example()
    if tracked is None:
        raise SystemExit("not a git checkout: cannot tell the example from your own files")
    shutil.rmtree(BUNDLED, ignore_errors=True)
    for rel in tracked:
        (BUNDLED / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ROOT / rel, BUNDLED / rel)
    print(f"prep/example/: {len(tracked)} files from the tracked example")


if __name__ == "__main__":
    if sys.argv[1:] == ["--refresh"]:
        refresh()
    else:
        raise SystemExit(pytest.main([__file__, "-q"]))
