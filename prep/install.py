"""How to add an optional part (an extra) to *this* installation of prep.

A hint that says `pip install 'prep[pdf]'` is wrong three ways: PyPI's `prep`
is another project, a pipx or `uv tool` install has no pip the user should
run, and a plain `pip` may belong to another Python. So the hint is written
for the way prep was installed: pipx, uv tool, or pip in this interpreter's
environment (from PyPI, or from the folder an editable or local install came
from).
"""

from __future__ import annotations

import json
import os
import shlex
import sys
from pathlib import Path

DIST = "prep-interview"


def _requirements(extra: str) -> list[str]:
    """The extra's own requirements as this installation's metadata lists them."""
    from importlib import metadata

    try:
        reqs = metadata.requires(DIST) or []
    except metadata.PackageNotFoundError:
        return []
    out = []
    for req in reqs:
        spec, _, marker = req.partition(";")
        if f'extra == "{extra}"' in marker.replace("'", '"'):
            out.append(spec.strip().replace(" ", ""))
    return out


def _source() -> tuple[str, bool]:
    """Where prep came from: its PyPI name, or the local folder (and whether editable)."""
    from importlib import metadata

    try:
        raw = metadata.distribution(DIST).read_text("direct_url.json")
    except metadata.PackageNotFoundError:
        raw = None
    if raw:
        try:
            info = json.loads(raw)
        except ValueError:
            info = {}
        url = str(info.get("url", ""))
        if url.startswith("file://") and "dir_info" in info:
            from urllib.parse import unquote, urlparse

            return unquote(urlparse(url).path), bool(info["dir_info"].get("editable"))
    return DIST, False


def _uv_requests(receipt: Path) -> tuple[str | None, list[str]]:
    """From uv's receipt: how prep itself was asked for, and the other requirements."""
    try:
        text = receipt.read_text(encoding="utf-8")
    except OSError:
        return None, []
    try:
        import tomllib
    except ImportError:  # Python 3.10: the receipt's inline tables, read by pattern
        import re

        items = [
            dict(re.findall(r'([a-z-]+) = "([^"]*)"', m))
            for m in re.findall(r"\{([^}]*)\}", text.split("entrypoints", 1)[0])
        ]
    else:
        items = tomllib.loads(text).get("tool", {}).get("requirements", [])
    own, others = None, []
    for item in items:
        name = str(item.get("name", ""))
        extras = item.get("extras") or []
        spec = name + (f"[{','.join(extras)}]" if isinstance(extras, list) and extras else "")
        where = item.get("directory") or item.get("path") or item.get("url") or item.get("git")
        text_req = str(where) if where else spec + str(item.get("specifier", ""))
        if name == DIST:
            own = text_req
        elif name:
            others.append(text_req)
    return own, others


def tool_env(prefix: str | None = None) -> str | None:
    """'pipx' or 'uv' when prep runs in an environment that tool manages, else None."""
    root = Path(prefix or sys.prefix)
    if (root / "pipx_metadata.json").exists():
        return "pipx"
    if (root / "uv-receipt.toml").exists():
        return "uv"
    return None


def hint(extra: str, prefix: str | None = None) -> str:
    """The command that adds `extra` (pdf, anki) to the prep the user is running."""
    kind = tool_env(prefix)
    reqs = _requirements(extra) or [extra]
    name = Path(prefix or sys.prefix).name
    if kind == "pipx":
        return "pipx inject " + " ".join([shlex.quote(name), *map(shlex.quote, reqs)])
    source, editable = _source()
    if kind == "uv":
        # `uv tool install` replaces the tool's environment: ask again for what it has
        # (its source and every earlier --with), plus the extra's requirements.
        own, withs = _uv_requests(Path(prefix or sys.prefix) / "uv-receipt.toml")
        withs += [r for r in reqs if r not in withs]
        flags = " ".join(f"--with {shlex.quote(r)}" for r in withs)
        return f"uv tool install {flags} {shlex.quote(own or source)}"
    python = sys.executable or "python3"
    target = shlex.quote(f"{source}[{extra}]")
    here = os.path.dirname(python)
    pip = f"{shlex.quote(python)} -m pip" if here else "python3 -m pip"
    return f"{pip} install {'-e ' if editable else ''}{target}"
