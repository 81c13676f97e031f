"""Every file prep writes goes through one writer; every untrusted file is read with a cap.

The writer never follows a link planted at its temporary name or at the target,
replaces atomically, and (for exports and cheat sheets) replaces only what prep
itself wrote. Readers check the size before reading, so a file of gigabytes
costs no memory.
"""

from __future__ import annotations

import os
import tracemalloc
import zipfile
from pathlib import Path

import pytest

from prep.errors import PrepError
from prep.safefile import (
    TooLarge,
    folder_lock,
    read_capped,
    record_written,
    replacing,
    write_file,
    written_by_prep,
)

GB = 1024**3


def _victim(tmp_path: Path) -> Path:
    v = tmp_path / "home" / ".bashrc"
    v.parent.mkdir(parents=True, exist_ok=True)
    v.write_text("# my shell setup\n", encoding="utf-8")
    return v


def _markdown(tmp_path: Path) -> Path:
    src = tmp_path / "questions.md"
    src.write_text(
        "# Questions\n\n## Python\n\n- What is the GIL?\n- $(touch pwned) is a question?\n",
        encoding="utf-8",
    )
    return src


# --- D1: a link planted at a temporary name ---------------------------------------------
def test_deck_import_does_not_write_through_a_link_at_the_old_temp_name(ws, cli, tmp_path):
    victim = _victim(tmp_path)
    (ws / "decks" / ".questions.yaml.tmp").symlink_to(victim)
    r = cli("-w", str(ws), "deck", "import", str(_markdown(tmp_path)))
    assert r.returncode == 0, r.stderr
    assert victim.read_text(encoding="utf-8") == "# my shell setup\n"
    assert "What is the GIL?" in (ws / "decks" / "questions.yaml").read_text(encoding="utf-8")
    assert (ws / "decks" / ".questions.yaml.tmp").is_symlink()  # left alone, not replaced
    assert not [
        p for p in (ws / "decks").iterdir() if p.name.endswith(".tmp") and not p.is_symlink()
    ]


def test_log_export_does_not_write_through_a_link_at_its_old_temp_name(ws, invoke, tmp_path):
    assert invoke("-w", str(ws), "drill", "--new", "1", input="3\n").exit_code == 0
    victim = _victim(tmp_path)
    out = tmp_path / "desk.jsonl"
    # The old writer used `.<FILE>.<pid>.tmp`; in-process, the pid is this one.
    (tmp_path / f".desk.jsonl.{os.getpid()}.tmp").symlink_to(victim)
    r = invoke("-w", str(ws), "log", "export", str(out))
    assert r.exit_code == 0, r.output
    assert victim.read_text(encoding="utf-8") == "# my shell setup\n"
    assert out.read_text(encoding="utf-8").count('"uuid"') == 1


def test_a_planted_link_at_the_random_temp_name_is_refused_not_followed(tmp_path, monkeypatch):
    import secrets

    victim = _victim(tmp_path)
    monkeypatch.setattr(secrets, "token_hex", lambda n=8: "f" * 16)
    target = tmp_path / "out" / "sheet.md"
    target.parent.mkdir()
    (target.parent / f".sheet.md.{'f' * 16}.tmp").symlink_to(victim)
    with pytest.raises(PrepError, match="cannot write: File exists"):
        write_file(target, "new text")
    assert victim.read_text(encoding="utf-8") == "# my shell setup\n"
    assert not target.exists()


def test_the_target_itself_being_a_link_is_refused(tmp_path):
    victim = _victim(tmp_path)
    link = tmp_path / "sheet.md"
    link.symlink_to(victim)
    with pytest.raises(PrepError, match="is a symbolic link; prep does not write through links"):
        write_file(link, "new text")
    assert victim.read_text(encoding="utf-8") == "# my shell setup\n"
    dangling = tmp_path / "new.md"
    dangling.symlink_to(tmp_path / "home" / "created-by-prep")
    with pytest.raises(PrepError, match="symbolic link"):
        write_file(dangling, "x", replace=False)
    assert not (tmp_path / "home" / "created-by-prep").exists()


def test_a_failed_write_leaves_the_old_file_and_no_temp(tmp_path):
    target = tmp_path / "a.txt"
    target.write_text("old", encoding="utf-8")
    os.chmod(target, 0o600)
    with pytest.raises(RuntimeError), replacing(target) as f:
        f.write(b"half")
        raise RuntimeError("disk on fire")
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["a.txt"]
    write_file(target, "new")
    assert target.read_text(encoding="utf-8") == "new"
    assert (target.stat().st_mode & 0o777) == 0o600  # the replaced file's permissions kept


def test_a_folder_that_leads_outside_the_workspace_is_not_written(tmp_path):
    root = tmp_path / "ws"
    root.mkdir()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (root / "decks").symlink_to(elsewhere)
    with pytest.raises(PrepError, match="leads outside"):
        write_file(root / "decks" / "asked.yaml", "cards: []\n", within=root)
    assert list(elsewhere.iterdir()) == []


def test_init_never_writes_through_a_dangling_link(tmp_path, cli):
    target = tmp_path / "new-ws"
    target.mkdir()
    (target / ".gitignore").symlink_to(tmp_path / "home" / "autostart.sh")
    r = cli("init", str(target))
    assert r.returncode == 0, r.stderr
    assert not (tmp_path / "home" / "autostart.sh").exists()
    assert (target / "prep.yaml").is_file() and not (target / "prep.yaml").is_symlink()
    (target / "prep.yaml").unlink()
    (target / "prep.yaml").symlink_to(tmp_path / "home" / "x.yaml")
    r = cli("init", str(target))
    assert r.returncode == 1 and "already exists" in r.stderr
    assert not (tmp_path / "home" / "x.yaml").exists()


def test_folder_lock_excludes_a_second_holder(tmp_path):
    import fcntl

    with folder_lock(tmp_path):
        fd = os.open(tmp_path, os.O_RDONLY)
        try:
            with pytest.raises(BlockingIOError):
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        finally:
            os.close(fd)
    fd = os.open(tmp_path, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # released: free again
    finally:
        os.close(fd)


# --- D20: exports and cheat sheets replace only what prep wrote --------------------------
def test_log_export_does_not_replace_another_tools_jsonl(ws, cli, tmp_path):
    assert cli("-w", str(ws), "drill", "--new", "1", input="3\n").returncode == 0
    theirs = tmp_path / "events.jsonl"
    theirs.write_text('{"uuid": "a", "event": "click"}\n', encoding="utf-8")
    r = cli("-w", str(ws), "log", "export", str(theirs))
    assert r.returncode == 1
    assert "already exists and is not a review log export made by prep" in r.stderr
    assert theirs.read_text(encoding="utf-8") == '{"uuid": "a", "event": "click"}\n'
    mine = tmp_path / "desk.jsonl"
    assert cli("-w", str(ws), "log", "export", str(mine)).returncode == 0
    assert cli("-w", str(ws), "log", "export", str(mine)).returncode == 0  # again: replaced
    with mine.open("a", encoding="utf-8") as f:  # changed since prep wrote it: kept
        f.write('{"uuid": "added by hand"}\n')
    r = cli("-w", str(ws), "log", "export", str(mine))
    assert r.returncode == 1 and "--force" in r.stderr
    assert cli("-w", str(ws), "log", "export", str(mine), "--force").returncode == 0
    assert "added by hand" not in mine.read_text(encoding="utf-8")


def test_cheatsheet_output_does_not_replace_any_file(ws, cli, tmp_path):
    notes = tmp_path / "notes.md"
    notes.write_text("my own notes\n", encoding="utf-8")
    r = cli("-w", str(ws), "cheatsheet", "-o", str(notes))
    assert r.returncode == 1
    assert "already exists and is not a cheat sheet made by prep" in r.stderr
    assert notes.read_text(encoding="utf-8") == "my own notes\n"
    sheet = tmp_path / "sheet.html"
    assert cli("-w", str(ws), "cheatsheet", "-o", str(sheet)).returncode == 0
    r = cli("-w", str(ws), "cheatsheet", "-o", str(sheet))  # its own earlier sheet
    assert r.returncode == 0, r.stderr
    assert cli("-w", str(ws), "cheatsheet", "-o", str(notes), "--force").returncode == 0
    assert "my own notes" not in notes.read_text(encoding="utf-8")


def test_the_record_of_written_files_follows_content(tmp_path):
    state = tmp_path / ".prep"
    f = tmp_path / "x.jsonl"
    write_file(f, "one\n")
    assert not written_by_prep(state, f)
    record_written(state, f)
    assert written_by_prep(state, f)
    f.write_text("one\ntwo\n", encoding="utf-8")
    assert not written_by_prep(state, f)


# --- D7: size caps before reading -----------------------------------------------------------
def _sparse(path: Path, size: int, head: bytes = b"deck: big\ncards:\n") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as f:
        f.write(head)
        f.truncate(size)  # a hole: no disk used, but reading it would cost `size` bytes
    return path


def test_read_capped_refuses_before_reading(tmp_path):
    big = _sparse(tmp_path / "big.yaml", 4 * GB)
    tracemalloc.start()
    try:
        with pytest.raises(TooLarge, match="file is 4,294,967,296 bytes; the limit is 1,024"):
            read_capped(big, 1024)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 1_000_000
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    import threading

    def feed() -> None:
        with fifo.open("wb") as w:
            try:
                for _ in range(64):
                    w.write(b"x" * 65536)
            except BrokenPipeError:
                pass

    t = threading.Thread(target=feed)
    t.start()
    with pytest.raises(TooLarge):
        read_capped(fifo, 100_000)  # a stream of unknown size stops at the cap
    t.join(timeout=10)


@pytest.mark.parametrize(
    "args",
    [("status",), ("deck", "list"), ("deck", "check")],
)
def test_a_huge_deck_is_refused_without_reading_it(ws, invoke, args):
    _sparse(ws / "decks" / "huge.yaml", 4 * GB)
    tracemalloc.start()
    try:
        r = invoke("-w", str(ws), *args)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # deck check fails; status and deck list go on with the other decks (a broken deck
    # does not stop study) and name the one left out.
    assert r.exit_code == (1 if args == ("deck", "check") else 0), r.output
    assert "decks/huge.yaml:1:1: " in r.stderr
    assert "file is 4,294,967,296 bytes; the limit is 8,388,608" in r.stderr
    assert peak < 200 * 1024 * 1024


def test_a_huge_profile_log_and_import_source_are_refused_without_reading(ws, invoke, tmp_path):
    cases = [
        (_sparse(tmp_path / "log.jsonl", 4 * GB, b""), ("log", "import")),
        (_sparse(tmp_path / "q.md", 4 * GB, b"# Q\n"), ("deck", "import")),
    ]
    for path, cmd in cases:
        tracemalloc.start()
        try:
            r = invoke("-w", str(ws), *cmd, str(path))
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert r.exit_code == 1, r.output
        assert f"{path}: file is 4,294,967,296 bytes" in r.stderr
        assert peak < 100 * 1024 * 1024
    _sparse(ws / "prep.yaml", 4 * GB, b"candidate: {name: x}\n")
    r = invoke("-w", str(ws), "status")
    assert r.exit_code == 1
    assert "prep.yaml:1:1: file is 4,294,967,296 bytes" in r.stderr


def test_the_anki_package_check_does_not_inflate_a_bomb(tmp_path):
    pytest.importorskip("genanki")
    from prep.importers.anki import MAX_COLLECTION, is_apkg

    bomb = tmp_path / "old.apkg"
    zero = b"\0" * (1 << 20)
    with (
        zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z,
        z.open("collection.anki2", "w") as w,
    ):
        for _ in range(MAX_COLLECTION // len(zero) + 8):
            w.write(zero)
    assert bomb.stat().st_size < MAX_COLLECTION // 100
    tracemalloc.start()
    try:
        assert is_apkg(bomb) is False
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 16 * 1024 * 1024
