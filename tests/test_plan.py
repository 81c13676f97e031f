"""`prep plan`: setting the date and the budget, and a plan that agrees with the drill."""

from __future__ import annotations

import json
import sqlite3
from datetime import timedelta
from pathlib import Path

from conftest import T0

from prep.clock import FakeClock, iso
from prep.drill import DrillSession
from prep.plan import build
from prep.schedule import Scheduler
from prep.stats import compute
from prep.store import Store
from prep.sync import sync
from prep.workspace import find

NOW = iso(T0)  # 2026-11-26 09:00 UTC
ENV = {"PREP_NOW": NOW}


def _meta(root: Path, key: str) -> object:
    db = sqlite3.connect(root / ".prep" / "prep.db")
    row = db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return json.loads(row[0]) if row else None


def _store(root: Path, clock: FakeClock) -> Store:
    w = find(str(root))
    store = Store(w.db_path)
    sync(store, w, clock)
    return store


def _deck(root: Path, n: int) -> None:
    cards = "".join(
        f"  - id: c{i:03d}\n    q: question {i}\n    a: answer {i}\n    topic: {'가나' if i % 2 else 'Latin'}\n"
        for i in range(n)
    )
    (root / "decks" / "a.yaml").write_text(f"deck: a\ncards:\n{cards}", encoding="utf-8")


def test_help_names_the_options(invoke):
    r = invoke("plan", "--help")
    assert r.exit_code == 0
    for option in ("--interview", "--minutes-per-day", "--json"):
        assert option in r.output
    assert invoke("stats", "--help").exit_code == 0


def test_set_show_and_clear_the_interview_date(ws, cli):
    r = cli("-w", str(ws), "plan", "--interview", "2026-12-10T10:00+09:00", env=ENV)
    assert r.returncode == 0, r.stderr
    assert _meta(ws, "interview_override") == "2026-12-10T10:00:00+09:00"  # as given
    assert "Predicted recall on the day" in r.stdout
    status = json.loads(cli("-w", str(ws), "status", "--json", env=ENV).stdout)
    plan = json.loads(cli("-w", str(ws), "plan", "--json", env=ENV).stdout)
    # 01:00 on Dec 10 here (UTC), before the 04:00 day start: Dec 9 is still a whole study day.
    assert status["days_left"] == plan["days_left"] == 14
    assert plan["days"][-1]["date"] == "2026-12-09"
    assert status["interview_date"] == plan["interview"] == "2026-12-10T10:00:00+09:00"
    r = cli("-w", str(ws), "plan", "--interview", "none", env=ENV)
    assert r.returncode == 0
    assert _meta(ws, "interview_override") == "none"
    assert "No interview date" in r.stdout
    assert json.loads(cli("-w", str(ws), "status", "--json", env=ENV).stdout)["days_left"] is None


def test_the_newer_of_prep_yaml_and_the_command_line_sets_the_date(ws, cli):
    profile = ws / "prep.yaml"
    text = profile.read_text(encoding="utf-8")

    def write_date(value: str) -> None:
        new = text.replace("  date: null", f"  date: {value}", 1)
        assert new != text
        profile.write_text(new, encoding="utf-8")

    def date_now() -> object:
        return json.loads(cli("-w", str(ws), "status", "--json", env=ENV).stdout)["interview_date"]

    write_date("2026-11-20T10:00:00+09:00")  # passed
    assert date_now() == "2026-11-20T10:00:00+09:00"
    r = cli("-w", str(ws), "plan", "--interview", "none", env=ENV)
    said = " ".join(r.stdout.split())  # 'none' clears a date written in prep.yaml too
    assert "No interview date: cleared with --interview none. prep.yaml's date" in said
    assert date_now() is None
    write_date("2026-12-15T14:00:00+09:00")  # edited after: the file is the newer word
    assert date_now() == "2026-12-15T14:00:00+09:00"
    cli("-w", str(ws), "plan", "--interview", "2026-12-12T10:00+09:00", env=ENV)
    assert date_now() == "2026-12-12T10:00:00+09:00"  # and now the command line is
    profile.write_text(text, encoding="utf-8")  # the date taken out of prep.yaml: none at all,
    assert date_now() is None  # not the command line's older date back
    cli("-w", str(ws), "plan", "--interview", "2026-12-12T10:00+09:00", env=ENV)
    profile.write_text(text + "\n# a comment\n", encoding="utf-8")  # the date not touched
    assert date_now() == "2026-12-12T10:00:00+09:00"


def test_a_date_only_means_nine_in_the_morning_local_time(ws, cli):
    r = cli("-w", str(ws), "plan", "--interview", "2026-12-03", "--json", env=ENV)
    assert r.returncode == 0, r.stderr
    assert _meta(ws, "interview_override") == "2026-12-03T09:00:00+00:00"
    plan = json.loads(r.stdout)
    assert plan["interview"] == "2026-12-03T09:00:00+00:00"
    assert plan["days_left"] == 7  # Nov 26 to Dec 2; the interview's own day is not counted


def test_bad_dates_and_budgets_are_refused_and_change_nothing(ws, cli):
    r = cli("-w", str(ws), "plan", "--interview", "2026-12-10T10:00+09:00", env=ENV)
    assert r.returncode == 0
    r = cli("-w", str(ws), "plan", "--interview", "next tuesday", env=ENV)
    assert r.returncode == 2  # a usage error, as click reports one
    assert "Error: Invalid value for '--interview': cannot read date 'next tuesday'" in r.stderr
    assert "Traceback" not in r.stderr
    r = cli("-w", str(ws), "plan", "--interview", "2026-11-01", env=ENV)
    assert r.returncode == 1
    assert "in the past" in r.stderr
    assert _meta(ws, "interview_override") == "2026-12-10T10:00:00+09:00"
    r = cli("-w", str(ws), "plan", "--minutes-per-day", "0", env=ENV)
    assert r.returncode == 2
    assert _meta(ws, "minutes_per_day") is None


def test_plan_without_a_date_and_after_it(ws, cli):
    r = cli("-w", str(ws), "plan", "--json", env=ENV)
    assert json.loads(r.stdout)["interview"] is None
    cli("-w", str(ws), "plan", "--interview", "2026-11-28T10:00+00:00", env=ENV)
    later = {"PREP_NOW": iso(T0 + timedelta(days=5))}
    r = cli("-w", str(ws), "plan", env=later)
    assert r.returncode == 0
    # As the drill does for two weeks after the date: due reviews held to the minutes a day.
    said = " ".join(r.stdout.split())
    # The budget is the person's choice; none was chosen here, so the suggestion holds.
    assert "has passed. Until 2026-12-12 the drill holds due reviews to your 20 minutes" in said
    plan = json.loads(cli("-w", str(ws), "plan", "--json", env=later).stdout)
    assert plan["passed"] is True and plan["held_until"].startswith("2026-12-12T10:00")
    much_later = {"PREP_NOW": iso(T0 + timedelta(days=30))}
    r = cli("-w", str(ws), "plan", env=much_later)
    assert "has passed: the drill is plain FSRS" in r.stdout


def test_plan_json_agrees_with_the_drill_queue_of_today(ws, cli):
    clock = FakeClock(T0)
    store = _store(ws, clock)
    # Some history first: yesterday's session, so that today has reviews and new cards.
    with store.write() as conn:
        store.set_meta(conn, "interview_override", (T0 + timedelta(days=9)).isoformat())
        store.set_meta(conn, "minutes_per_day", 12)
    yesterday = FakeClock(T0 - timedelta(days=3))
    s = DrillSession(store=store, scheduler=Scheduler(fuzz=False), clock=yesterday)
    shown, n = s.next(), 0
    while shown is not None:
        yesterday.advance(25)
        s.grade(1 if n % 4 == 0 else 3)
        shown, n = s.next(), n + 1
    r = cli("-w", str(ws), "plan", "--json", env=ENV)
    assert r.returncode == 0, r.stderr
    plan = json.loads(r.stdout)
    drill = DrillSession(store=store, scheduler=Scheduler(fuzz=False), clock=FakeClock(T0))
    assert plan["queue"] == drill.queue
    today = plan["days"][0]
    new_ids = set(store.new_ids())
    assert today["new"] == sum(1 for c in drill.queue if c in new_ids) > 0
    assert today["reviews"] == sum(1 for c in drill.queue if c not in new_ids) > 0
    assert today["minutes"] <= 12 + 1
    assert plan["minutes_per_day"] == 12 and plan["minutes_source"] == "set"
    # Seconds by kind of show, measured from the log: yesterday's first sights took 25 s
    # a show with their steps, less than the prior for a new card.
    from prep.deadline import PRIOR_NEW_S

    assert 25.0 < plan["costs"]["new_s"] < PRIOR_NEW_S
    assert len(plan["days"]) == plan["days_left"] == 9  # Nov 26 to Dec 4
    assert 0 < plan["recall_now"] < plan["recall"] <= 1


def test_a_short_budget_is_warned_with_the_minutes_needed_and_what_to_cut(empty_ws, cli):
    _deck(empty_ws, 200)
    r = cli("-w", str(empty_ws), "plan", "--interview", "2026-12-01T10:00+00:00",
            "--minutes-per-day", "10", "--json", env=ENV)  # fmt: skip
    assert r.returncode == 0, r.stderr
    plan = json.loads(r.stdout)
    assert plan["new_on_day"] > 0
    needed = plan["needed_minutes"]
    assert needed > 10
    warning = plan["warnings"][0]
    assert f"{plan['new_on_day']} of 200 cards would still be new" in warning
    assert f"--minutes-per-day {needed}" in warning and "가나 (" in warning
    # The minutes it names are enough, and one less is not.
    enough = json.loads(
        cli("-w", str(empty_ws), "plan", "--minutes-per-day", str(needed), "--json", env=ENV).stdout
    )
    assert enough["new_on_day"] == 0 and enough["warnings"] == []
    short = json.loads(
        cli(
            "-w", str(empty_ws), "plan", "--minutes-per-day", str(needed - 1), "--json", env=ENV
        ).stdout
    )
    assert short["new_on_day"] > 0
    text = cli(
        "-w", str(empty_ws), "plan", "--minutes-per-day", "10", env={**ENV, "COLUMNS": "200"}
    ).stdout
    assert "Warning:" in text and f"{needed} minutes a day" in text


def test_plan_topics_and_stats_readiness_use_the_same_model(ws):
    clock = FakeClock(T0)
    store = _store(ws, clock)
    with store.write() as conn:
        store.set_meta(conn, "interview_override", (T0 + timedelta(days=6)).isoformat())
    day = FakeClock(T0 - timedelta(days=2))
    s = DrillSession(store=store, scheduler=Scheduler(fuzz=False), clock=day, new_limit=12)
    while s.next() is not None:
        day.advance(10)
        s.grade(3)
    plan = build(store, Scheduler(fuzz=False), clock).to_dict()
    stats = compute(store, Scheduler(fuzz=False), clock).to_dict()
    assert abs(plan["recall_now"] - stats["readiness_all"]) < 1e-3
    by_topic = {t["topic"]: t["recall_now"] for t in plan["topics"]}
    for r in stats["readiness"]:
        assert abs(by_topic[r["topic"]] - r["recall"]) < 1e-3
    assert sum(t["cards"] for t in plan["topics"]) == plan["cards"] == 59


def test_what_to_cut_adds_up_to_the_cards_left_new(ws, cli):
    import re

    r = cli("-w", str(ws), "plan", "--interview", "2026-12-01", "--minutes-per-day", "3",
            "--json", env=ENV)  # fmt: skip
    plan = json.loads(r.stdout)
    warning = plan["warnings"][0]
    topics = [t for t in plan["topics"] if t["new_on_day"]]
    assert len(topics) > 4  # more topics than the warning names one by one
    named = [int(n) for n in re.findall(r"\((\d+)\)", warning)]
    rest = [int(n) for n in re.findall(r" and (\d+) in \d+ more topic", warning)]
    assert len(named) == 4 and len(rest) == 1
    assert sum(named) + rest[0] == plan["new_on_day"] == sum(t["new_on_day"] for t in topics)
