"""CHANGELOG.md keeps the Keep a Changelog form, and the version prep reports is honest about it."""

from __future__ import annotations

import re
from datetime import date
from importlib.metadata import version as dist_version
from pathlib import Path

from packaging.version import Version

import prep

CHANGELOG = Path(__file__).resolve().parent.parent / "CHANGELOG.md"
GROUPS = ("Added", "Changed", "Deprecated", "Removed", "Fixed", "Security")
RELEASE = re.compile(r"## \[(\d+\.\d+\.\d+)\] - (\d{4}-\d{2}-\d{2})")


def sections() -> list[tuple[str, list[str]]]:
    """(the `## ` heading, its lines) for each version section, in file order."""
    out: list[tuple[str, list[str]]] = []
    for line in CHANGELOG.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            out.append((line, []))
        elif out:
            out[-1][1].append(line)
    return out


def releases() -> list[tuple[Version, date]]:
    found = []
    for head, _ in sections():
        m = RELEASE.fullmatch(head)
        if m:
            found.append((Version(m.group(1)), date.fromisoformat(m.group(2))))
    return found


def test_unreleased_comes_first_then_dated_versions_newest_first():
    heads = [head for head, _ in sections()]
    assert CHANGELOG.read_text(encoding="utf-8").startswith("# Changelog\n")
    assert heads[0] == "## [Unreleased]"
    for head in heads[1:]:
        assert RELEASE.fullmatch(head), f"not '## [X.Y.Z] - YYYY-MM-DD': {head!r}"
    found = releases()
    assert found, "no released version"
    assert found == sorted(found, reverse=True)


def test_every_entry_sits_in_a_known_group_once():
    for head, lines in sections():
        groups = [line[4:] for line in lines if line.startswith("### ")]
        assert set(groups) <= set(GROUPS), (head, groups)
        assert len(groups) == len(set(groups)), (head, groups)
        assert [g for g in GROUPS if g in groups] == groups, f"{head}: groups out of order"
        first_group = next((i for i, line in enumerate(lines) if line.startswith("### ")), None)
        loose = [line for line in lines[:first_group] if line.startswith("- ")]
        assert not loose, f"{head}: entries outside a group: {loose[:2]}"
        if head != "## [Unreleased]":
            assert groups, f"{head} has no entries"


def test_the_version_is_a_development_one_until_the_changelog_dates_it():
    ours = Version(prep.__version__)
    newest = releases()[0][0]
    released = {v for v, _ in releases()}
    if ours.is_devrelease or ours.is_prerelease:
        # A build of unreleased work never says it is the last release.
        assert ours > newest, (ours, newest)
    else:
        assert ours in released, f"{ours} is not a dated section of CHANGELOG.md"


def test_the_installed_metadata_reads_the_same_one_version():
    assert dist_version("prep-interview") == prep.__version__
