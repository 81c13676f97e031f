"""The schema: numbered migrations, applied in one transaction.

Below the store and the backups (a restored copy is brought to this schema
before it goes back), so that neither imports the other for it. Only the
standard library is imported here; sqlite-utils only when migrations run.
"""

from __future__ import annotations

import sqlite3

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

SCHEMA_VERSION = 8  # the number of migrations in MIGRATIONS below


# Migrations: numbered plain functions, never edited once released. Each
# takes a sqlite-utils Database; sqlite-utils records what ran.
def m001_initial(db: Any) -> None:
    db.executescript(
        """
        CREATE TABLE files (
            path TEXT PRIMARY KEY, size INTEGER, mtime_ns INTEGER, sha256 TEXT, deck TEXT
        );
        CREATE TABLE cards (
            id TEXT PRIMARY KEY, deck TEXT NOT NULL, path TEXT, line INTEGER, col INTEGER,
            kind TEXT NOT NULL, topic TEXT NOT NULL, q TEXT NOT NULL, a TEXT NOT NULL DEFAULT '',
            keywords TEXT NOT NULL DEFAULT '[]', story TEXT, time_s INTEGER,
            tags TEXT NOT NULL DEFAULT '[]', position INTEGER NOT NULL DEFAULT 0,
            auto_id INTEGER NOT NULL DEFAULT 0, active INTEGER NOT NULL DEFAULT 1,
            added_at TEXT
        );
        CREATE INDEX cards_deck ON cards(deck, position);
        CREATE TABLE reviews (
            uuid TEXT PRIMARY KEY, card_id TEXT NOT NULL, rating INTEGER NOT NULL
                CHECK (rating BETWEEN 1 AND 4),
            reviewed_at TEXT NOT NULL, duration_ms INTEGER NOT NULL DEFAULT 0,
            source TEXT NOT NULL DEFAULT 'drill', session TEXT
        );
        CREATE INDEX reviews_card ON reviews(card_id, reviewed_at);
        CREATE INDEX reviews_time ON reviews(reviewed_at);
        CREATE TABLE card_state (
            card_id TEXT PRIMARY KEY, state INTEGER NOT NULL, step INTEGER, stability REAL,
            difficulty REAL, due TEXT, last_review TEXT, reps INTEGER NOT NULL DEFAULT 0,
            lapses INTEGER NOT NULL DEFAULT 0, first_review TEXT
        );
        CREATE INDEX card_state_due ON card_state(due);
        CREATE INDEX card_state_first ON card_state(first_review);
        CREATE TABLE card_aliases (old_id TEXT PRIMARY KEY, new_id TEXT NOT NULL, at TEXT);
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);
        """
    )


def m002_mock(db: Any) -> None:
    # hint_used holds how many times the keywords were shown (0 = none);
    # covered is the JSON list of 1-based keyword numbers the person said.
    db.executescript(
        """
        CREATE TABLE mock_sessions (
            id TEXT PRIMARY KEY, started_at TEXT NOT NULL, ended_at TEXT,
            planned INTEGER NOT NULL DEFAULT 0, options TEXT NOT NULL DEFAULT '{}'
        );
        CREATE INDEX mock_sessions_started ON mock_sessions(started_at);
        CREATE TABLE mock_answers (
            session_id TEXT NOT NULL REFERENCES mock_sessions(id), position INTEGER NOT NULL,
            card_id TEXT NOT NULL, limit_s INTEGER NOT NULL, used_ms INTEGER NOT NULL,
            skipped INTEGER NOT NULL DEFAULT 0, hint_used INTEGER NOT NULL DEFAULT 0,
            keywords_total INTEGER NOT NULL DEFAULT 0, keywords_covered INTEGER NOT NULL DEFAULT 0,
            covered TEXT NOT NULL DEFAULT '[]', rating INTEGER, capped INTEGER NOT NULL DEFAULT 0,
            review_uuid TEXT, answered_at TEXT, PRIMARY KEY (session_id, position)
        );
        CREATE INDEX mock_answers_card ON mock_answers(card_id);
        """
    )


def m003_followup(db: Any) -> None:
    # A debrief after a real interview: which cards were asked ('asked') and
    # which questions were new and went to decks/asked.yaml ('new').
    db.executescript(
        """
        CREATE TABLE debriefs (
            id TEXT PRIMARY KEY, recorded_at TEXT NOT NULL, interview_at TEXT,
            interviewer TEXT, notes TEXT NOT NULL DEFAULT ''
        );
        CREATE TABLE debrief_cards (
            debrief_id TEXT NOT NULL REFERENCES debriefs(id), card_id TEXT NOT NULL,
            role TEXT NOT NULL CHECK (role IN ('asked', 'new')), question TEXT,
            PRIMARY KEY (debrief_id, card_id)
        );
        CREATE INDEX debrief_cards_card ON debrief_cards(card_id);
        """
    )


def m004_undone(db: Any) -> None:
    # Reviews taken back with undo, by UUID: `prep log export` carries them so the
    # undo reaches other machines, and an older export imported again cannot bring
    # an undone grade back.
    db.executescript(
        """
        CREATE TABLE undone (
            uuid TEXT PRIMARY KEY, card_id TEXT NOT NULL, undone_at TEXT NOT NULL
        );
        """
    )


def m005_screens(db: Any) -> None:
    # Cards set aside by the person: suspended (until unsuspended) or buried until a
    # time (the next study day). Kept apart from card_state, which a rebuild replaces.
    # review_keywords: the keywords ticked on the drill's screen for one review.
    db.executescript(
        """
        CREATE TABLE holds (
            card_id TEXT PRIMARY KEY, suspended INTEGER NOT NULL DEFAULT 0,
            buried_until TEXT, at TEXT NOT NULL
        );
        CREATE TABLE review_keywords (
            uuid TEXT PRIMARY KEY, covered TEXT NOT NULL DEFAULT '[]', total INTEGER NOT NULL
        );
        """
    )


def m006_local_grades(db: Any) -> None:
    # The grades made on this machine, in the order they were made (seq 1, 2, 3, ...);
    # a review that `prep log import` brought in has no row. Undo takes back the highest:
    # the person's own last grade, whatever the clocks of other machines wrote into
    # `reviewed_at`. Reviews from before this table count as made here, in the order
    # they were added.
    db.executescript(
        """
        CREATE TABLE local_grades (seq INTEGER PRIMARY KEY, uuid TEXT NOT NULL UNIQUE);
        INSERT INTO local_grades (uuid) SELECT uuid FROM reviews ORDER BY rowid;
        """
    )


def m007_priority(db: Any) -> None:
    # How soon a new card comes in (a deck's or card's `priority`: high 1, low -1).
    db.executescript("ALTER TABLE cards ADD COLUMN priority INTEGER NOT NULL DEFAULT 0;")


def m008_scale(db: Any) -> None:
    # Indexes that keep the work of a status, a sync and a rebuild in proportion to what
    # it needs: the active cards by id with where they are (counts, id lists and a sync's
    # check for duplicate ids read the index, never the rows with their text), the due
    # cards with their ids (a due count reads the index alone), the cards of one deck
    # file (a re-sync reads only that file's), and the renames that lead to a card (a
    # rename follows them without reading them all).
    db.executescript(
        """
        CREATE INDEX cards_active ON cards(active, id, path, line, col);
        CREATE INDEX cards_path ON cards(path, active);
        DROP INDEX card_state_due;
        CREATE INDEX card_state_due ON card_state(due, card_id);
        CREATE INDEX card_aliases_new ON card_aliases(new_id);
        """
    )


MIGRATIONS = [
    m001_initial, m002_mock, m003_followup, m004_undone, m005_screens, m006_local_grades,
    m007_priority, m008_scale,
]  # fmt: skip


def apply(conn: sqlite3.Connection, upto: int = SCHEMA_VERSION) -> None:
    """Run the first `upto` migrations that `conn` has not run yet (sqlite-utils records
    which ran); the caller holds the transaction."""
    from sqlite_utils import Database
    from sqlite_utils.migrations import Migrations

    migrations = Migrations("prep")
    for fn in MIGRATIONS[:upto]:
        migrations()(fn)
    migrations.apply(Database(conn))


def migrate_connection(conn: sqlite3.Connection) -> None:
    """Apply the missing migrations on `conn` in one transaction (no backup, no lock wait)."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        apply(conn)
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
