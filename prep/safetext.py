"""One sanitizer for every piece of untrusted text that reaches a terminal.

Deck ids, file names, card text, template headings, error messages quoting any
of them: all pass `clean` before they are printed. It removes whole escape
sequences (CSI such as clear-screen, OSC such as the window title, an OSC 52
clipboard write or an OSC 8 hyperlink, DCS/APC/PM strings) in their 7-bit and
8-bit forms, then every other C0 and C1 control character except newline and
tab, and the bidirectional embedding, override and isolate characters that can
make text read differently from what it is ("Trojan Source").

Rich markup is the face's business: its console does not parse markup at all.
Standard library only, so the fast `prep status` path can use it.
"""

from __future__ import annotations

import re

# Whole sequences first, so no parameter bytes ("]0;title") are left behind.
_SEQUENCES = re.compile(
    r"""
      (?:\x1b\[|\x9b) [0-?]* [ -/]* [@-~]?                      # CSI ... final
    | (?:\x1b[\]PX^_]|[\x9d\x90\x98\x9e\x9f]) [^\x07\x1b\x9c]*  # OSC, DCS, SOS, PM, APC ...
      (?:\x07|\x1b\\|\x9c)?                                     # ... up to BEL or ST
    | \x1b [ -/]* [0-~]?                                        # any other escape
    """,
    re.VERBOSE,
)
BIDI = frozenset([*range(0x202A, 0x202F), *range(0x2066, 0x206A)])
_DROP = dict.fromkeys([c for c in range(32) if c not in (9, 10)] + [127, *range(0x80, 0xA0), *BIDI])


def clean(text: str) -> str:
    """`text` without terminal control sequences, control characters or bidi overrides."""
    if text.isprintable():  # the usual case: nothing to do
        return text
    if "\x1b" in text or any(0x80 <= ord(c) < 0xA0 for c in text):
        text = _SEQUENCES.sub("", text)
    return text.translate(_DROP)


_JSON_UNSAFE = re.compile("[\x7f-\x9f\u2028\u2029" + "".join(map(chr, sorted(BIDI))) + "]")


def json_safe(text: str) -> str:
    """A JSON document (from `json.dumps(..., ensure_ascii=False)`) with C1 controls, bidi
    overrides and line separators written as \\u escapes: the same data, inert on a terminal."""
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
