"""Find the workspace and read its profile (prep.yaml)."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

from .errors import PrepError, Problem
from .record import Factory, Record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

PROFILE = "prep.yaml"


def is_deck_name(name: str) -> bool:
    """A deck file in decks/: `NAME.yaml` or `NAME.yml`. A hidden file (`.yaml`,
    `.draft.yaml`, an editor's or a writer's temporary file) is not a deck; sync and
    `deck check` read the same files."""
    return not name.startswith(".") and name.endswith((".yaml", ".yml"))


class Settings(Record):
    __slots__ = (
        "new_per_day", "max_reviews_per_day", "desired_retention", "day_starts_at",
        "minutes_per_day",
    )  # fmt: skip
    _defaults = {
        "new_per_day": 10, "max_reviews_per_day": 200, "desired_retention": 0.9, "day_starts_at": 4,
        "minutes_per_day": 0,
    }  # fmt: skip
    # minutes_per_day: the drill's daily budget (0: not chosen; with an interview
    # date the suggestion applies until the person chooses)
    minutes_per_day: int
    new_per_day: int
    max_reviews_per_day: int
    desired_retention: float
    day_starts_at: int

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Settings:
        known = {k: data[k] for k in cls.__slots__ if k in data}
        return cls(**known)


class Profile(Record):
    __slots__ = ("data", "settings", "interview_date")
    _defaults = {"data": Factory(dict), "settings": Factory(Settings), "interview_date": None}
    data: dict[str, Any]
    settings: Settings
    interview_date: str | None  # ISO text as written, resolved later with the clock's tz


class Workspace(Record):
    __slots__ = ("root", "db_path")
    root: Path
    db_path: Path

    @property
    def profile_path(self) -> Path:
        return self.root / PROFILE

    @property
    def decks_dir(self) -> Path:
        return self.root / "decks"

    @property
    def answers_dir(self) -> Path:
        return self.root / "answers"

    def rel(self, path: Path) -> str:
        try:
            return path.resolve().relative_to(self.root.resolve()).as_posix()
        except ValueError:
            return str(path)


def find(workspace: str | None = None, db: str | None = None, cwd: Path | None = None) -> Workspace:
    """-w/--workspace, then PREP_WORKSPACE, then the nearest prep.yaml upward."""
    explicit = workspace or os.environ.get("PREP_WORKSPACE") or None
    if explicit:
        root = Path(explicit).expanduser()
        if root.name == PROFILE and root.is_file():  # the profile itself: its folder is meant
            root = root.parent
        elif root.exists() and not root.is_dir():
            raise PrepError(f"{root} is a file, not a folder; give the workspace folder")
        if not (root / PROFILE).is_file():
            raise PrepError(
                f"{root}: no {PROFILE} here; run `prep init {root}` to create a workspace"
            )
    else:
        here = (cwd or Path.cwd()).resolve()
        for candidate in (here, *here.parents):
            if (candidate / PROFILE).is_file():
                root = candidate
                break
        else:
            raise PrepError(
                f"no {PROFILE} in {here} or any folder above it; "
                "run `prep init DIR` or pass --workspace"
            )
    db_text = db or os.environ.get("PREP_DB") or None
    db_path = Path(db_text).expanduser() if db_text else root / ".prep" / "prep.db"
    return Workspace(root=root, db_path=db_path)


def check_output(
    path: Path,
    suffix: str,
    what: str,
    force: bool = False,
    earlier: Callable[[Path], bool] | None = None,
) -> None:
    """Refuse an output file name that would replace a file the user did not mean to lose.

    A file that `earlier` recognises as a previous export of the same kind is
    replaced without --force: exporting again to the same file is the usual way.
    """
    if path.suffix.lower() != suffix:
        raise PrepError(f"{path}: {what} must be a {suffix} file")
    if path.is_dir():
        raise PrepError(f"{path}: is a folder; give a file name ending in {suffix}")
    if os.path.lexists(path) and not force and not (earlier is not None and earlier(path)):
        raise PrepError(
            f"{path}: already exists and is not {what} made by prep; give a new file name, "
            "or --force to replace it"
        )


def _int(
    c: dict[str, Any], key: str, lo: int, hi: int, pos: Any, path: str, out: list[Problem]
) -> None:
    value = c.get(key)
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        line, col = pos.get(key, (1, 1))
        out.append(
            Problem(path, line, col, f"settings.{key} must be a whole number from {lo} to {hi}")
        )


def parse_profile(raw: bytes, path: str = PROFILE) -> tuple[Profile | None, list[Problem]]:
    from .yamlsafe import LDict, load, plain

    loaded = load(raw, path)
    if loaded.problems:
        return None, loaded.problems
    data = loaded.data
    if data is None:
        data = LDict()
        data.pos, data.key_pos, data.val_pos = (1, 1), {}, {}
    if not isinstance(data, LDict):
        return None, [
            Problem(path, 1, 1, "prep.yaml must be a mapping (candidate, role, company, ...)")
        ]
    problems: list[Problem] = []
    settings = Settings()
    raw_settings = data.get("settings")
    if raw_settings is not None:
        if not isinstance(raw_settings, LDict):
            line, col = data.val_pos["settings"]
            problems.append(Problem(path, line, col, "'settings' must be a mapping"))
        else:
            pos = raw_settings.val_pos
            _int(raw_settings, "new_per_day", 0, 1000, pos, path, problems)
            _int(raw_settings, "max_reviews_per_day", 0, 100000, pos, path, problems)
            _int(raw_settings, "day_starts_at", 0, 23, pos, path, problems)
            _int(raw_settings, "minutes_per_day", 0, 1440, pos, path, problems)
            dr = raw_settings.get("desired_retention")
            if dr is not None and (
                isinstance(dr, bool) or not isinstance(dr, (int, float)) or not 0.7 <= dr <= 0.99
            ):
                line, col = pos["desired_retention"]
                problems.append(
                    Problem(
                        path,
                        line,
                        col,
                        "settings.desired_retention must be a number from 0.70 to 0.99",
                    )
                )
            if not problems:
                settings = Settings.from_dict(dict(raw_settings))
                settings.desired_retention = float(settings.desired_retention)
    interview_date: str | None = None
    interview = data.get("interview")
    if isinstance(interview, LDict) and interview.get("date") is not None:
        value = interview["date"]
        line, col = interview.val_pos["date"]
        if isinstance(value, datetime):
            interview_date = value.isoformat()
        elif isinstance(value, str):
            try:
                datetime.fromisoformat(value.replace("Z", "+00:00"))
                interview_date = value
            except ValueError:
                problems.append(
                    Problem(
                        path, line, col, "interview.date must look like 2026-12-10T10:00:00+09:00"
                    )
                )
        else:
            import datetime as _dt

            if isinstance(value, _dt.date):
                interview_date = value.isoformat() + "T09:00:00"
            else:
                problems.append(Problem(path, line, col, "interview.date must be a date and time"))
        if interview_date is not None and not _supported(interview_date):
            from .clock import TIME_RANGE

            problems.append(
                Problem(
                    path,
                    line,
                    col,
                    f"interview.date {interview_date!r} is outside the range prep supports "
                    f"({TIME_RANGE})",
                )  # fmt: skip
            )
            interview_date = None
    elif interview is not None and not isinstance(interview, LDict):
        line, col = data.val_pos["interview"]
        problems.append(Problem(path, line, col, "'interview' must be a mapping with 'date'"))
    if problems:
        return None, problems
    return Profile(data=plain(data), settings=settings, interview_date=interview_date), []


def _supported(text: str) -> bool:
    """An interview time within prep's range (a time without an offset is read as UTC here;
    the range leaves room for any local offset)."""
    from .clock import UTC, in_range

    dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    try:
        return in_range(dt.astimezone(UTC) if dt.tzinfo else dt.replace(tzinfo=UTC))
    except OverflowError:
        return False


def load_profile(ws: Workspace) -> Profile:
    from .errors import DeckError
    from .yamlsafe import read

    raw, problem = read(ws.profile_path, PROFILE)
    if raw is None:
        assert problem is not None
        raise DeckError([problem])
    profile, problems = parse_profile(raw)
    if problems:
        raise DeckError(problems)
    assert profile is not None
    return profile


def example_dir() -> Path:
    """The bundled example: prep/example/ inside the package, the same in a wheel and in a
    checkout. The repository root's own decks/ are never read: they may hold the user's
    imports and interview debriefs."""
    inside = Path(__file__).parent / "example"
    if (inside / PROFILE).is_file() and (inside / "decks").is_dir():
        return inside
    raise PrepError("the bundled example workspace is missing from this installation")


def bundled_files(src: Path) -> dict[str, bytes]:
    """prep.yaml, decks/* and answers/* of a bundled workspace, by relative path."""
    from .safefile import TooLarge, read_capped

    def read(path: Path) -> bytes:
        try:
            return read_capped(path, 8 * 1024 * 1024)
        except (OSError, TooLarge) as exc:
            raise PrepError(f"the bundled example's {path.name} cannot be read: {exc}") from None

    files = {PROFILE: read(src / PROFILE)}
    for sub in ("decks", "answers"):
        folder = src / sub
        if folder.is_dir():
            for p in sorted(folder.iterdir()):
                if p.is_file() and not p.name.startswith("."):
                    files[f"{sub}/{p.name}"] = read(p)
    return files


def init(target: Path, files: dict[str, bytes] | None = None) -> list[str]:
    """Write a new workspace into `target` (by default the bundled example); refuse to
    overwrite anything. Returns the files written, relative to `target`."""
    if files is None:
        files = bundled_files(example_dir())
    target = target.expanduser()
    if target.exists() and not target.is_dir():
        raise PrepError(f"{target} is a file, not a folder")
    if os.path.lexists(target / PROFILE):
        raise PrepError(f"{target / PROFILE} already exists; not overwriting a workspace")
    for sub in ("decks", "answers"):
        if (target / sub).exists() and any((target / sub).iterdir()):
            raise PrepError(
                f"{target / sub} already exists and is not empty; choose another folder"
            )
    try:
        target.mkdir(parents=True, exist_ok=True)
        for sub in ("decks", "answers"):
            (target / sub).mkdir(exist_ok=True)
    except OSError as exc:
        raise PrepError(f"{target}: cannot create the folder: {exc.strerror or exc}") from None
    from .safefile import write_file

    for rel, data in files.items():
        # Each file is created new (never through a link planted at its name) and
        # written whole before it appears.
        (target / rel).parent.mkdir(parents=True, exist_ok=True)
        write_file(target / rel, data, replace=False, within=target)
    if not os.path.lexists(target / ".gitignore"):
        write_file(target / ".gitignore", ".prep/\n", replace=False, within=target)
    return list(files)
