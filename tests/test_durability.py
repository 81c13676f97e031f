"""A grade is on the disk when it is acknowledged: the connection commits with a sync."""

from __future__ import annotations

import sqlite3

from conftest import T0

from prep.clock import FakeClock
from prep.schedule import Scheduler
from prep.store import Store
from prep.sync import sync
from prep.workspace import find

FULL = 2  # PRAGMA synchronous: 0 OFF, 1 NORMAL, 2 FULL, 3 EXTRA


def test_the_connection_that_grades_syncs_every_commit(ws):
    w = find(str(ws))
    store = Store(w.db_path)  # a new database
    sync(store, w, FakeClock(T0))
    assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.conn.execute("PRAGMA synchronous").fetchone()[0] == FULL
    card = store.cards()[0].id
    review, _ = store.grade(Scheduler(fuzz=False), card, 3, T0)
    store.conn.close()
    # An existing database, opened again, is set the same way.
    again = Store(w.db_path)
    assert again.conn.execute("PRAGMA synchronous").fetchone()[0] == FULL
    other = sqlite3.connect(w.db_path)  # what another process sees once grade() returned
    assert other.execute("SELECT uuid FROM reviews").fetchall() == [(review.uuid,)]
