"""Markdown prep documents, question lists and topic notes, read section by section.

The text is parsed with markdown-it (CommonMark), so code fences, HTML blocks
and lists nest the way a renderer shows them: a `#` inside code is never a
heading. Sections (a heading and the blocks up to the next heading) are then
read in whichever shape they have:

- a list of questions (numbered or bulleted), possibly grouped under bold
  items (`1. **Python**` with the questions nested below): one card per item,
  nested bullets under an item become its answer notes;
- a titled question (`#### Closures` then a paragraph that asks): the
  paragraph is the question, the title names the card and the parent heading
  is the topic; lists after the question are its notes;
- a topic note (a heading, then prose, lists and code): the heading is the
  front and the body, code fences intact, is the answer.

Headings say what a section holds ("Questions to ask", "Concepts", "Table of
contents", "Company summary"); the words are listed below in English and
Korean. Answers keep their Markdown source; questions are plain text because
the drill shows them as such.
"""

from __future__ import annotations

import re
import textwrap
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache

from . import Draft, Imported, Skipped
from .mdblocks import Inline, Item, Node, flatten, parse

# Heading words -> what the section holds. Checked in this order: the first
# family that matches wins, so "Questions to ask" is `ask`, not `questions`.
_ROLE_WORDS: list[tuple[str, str]] = [
    (
        "skip",
        r"table of contents|\bcontents\b|\btoc\b|목차|\blicen[cs]e|라이선스|라이센스|contribut|"
        r"translation|번역|changelog|change log|acknowledg|credits|sponsor|"
        r"\breferences?\b|further reading|see also|\bresources\b|\blinks\b|참고 ?자료|참고문헌|"
        r"관련 링크",
    ),
    (
        "ask",
        r"questions? to ask|to ask (them|the|your|an?)\b|ask (them|the interviewer|your interviewer)|"
        r"reverse interview|역질문|면접관에게|회사에 (할|물어볼)|물어볼 질문|질문할 것|되물",
    ),
    ("concept", r"concept|개념|glossary|용어|terminolog"),
    ("questions", r"question|질문|\bq ?& ?a\b|\bqna\b|\bfaq\b|문답|기출"),
    (
        "concept?",
        r"to (know|review|study|learn)|\breview\b|복습|공부할|알아야|키워드|keywords?\b|cheat ?sheet",
    ),
    (
        "profile",
        r"overview|summary|résumé|resume|highlight|company|about (the|us|me)|advice|strateg|"
        r"\btips?\b|why this (job|role|company)|\bfit\b|red flags?|closing|thank|follow[- ]up email|"
        r"\bnotes? to self\b|개요|요약|회사|기업|이력|경력 ?사항|조언|전략|팁|소개|마무리|지원 ?동기|"
        r"감사 ?(메일|인사)|주의 ?사항",
    ),
]
_ROLES = [(role, re.compile(words, re.I)) for role, words in _ROLE_WORDS]
_BEHAVIORAL = re.compile(
    r"behaviou?r|culture|cultural|soft[- ]skill|personality|situational|leadership principle|"
    r"\bhr\b|인성|행동|문화|컬처|태도|가치관|협업 ?경험",
    re.I,
)

# What a question looks like when it has no question mark: a prompt that starts
# with an asking or imperative word, or a Korean sentence ending that asks.
_ASK_START = re.compile(
    r"^(?:what|why|how|when|where|which|who|whom|whose|is|are|was|were|do|does|did|can|could|"
    r"would|will|should|shall|may|might|have|has|had|tell|describe|explain|give|walk|talk|share|"
    r"name|list|write|design|implement|compare|contrast|define|discuss|show|imagine|suppose|"
    r"if|in your|take me|teach|state|defend|interview|make|build|generate|create|organi[sz]e|"
    r"sell|let'?s|pretend|say|introduce|argue|convince|estimate|draw|sketch|outline|summari[sz]e|"
    r"identify|analy[sz]e|evaluate|propose|recommend|justify|elaborate|walk me|help|refactor|"
    r"fix|find|spot|detect|rewrite|prove|solve|calculate|predict)\b",
    re.I,
)
_ASK_END_KO = re.compile(
    r"(?:나요|까요|니까|세요|가요|은가|는가|인가|을까|할까|줘|주세요|하시오|하라|십시오|해 ?봐|"
    r"보세요|말해 ?주세요|설명하시오|입니까|습니까|ㅂ니까|죠|나|니|냐)\s*[.!]?\s*$"
)
_QMARK = re.compile(r"[?？]")
_SOURCE_LINE = re.compile(
    r"^\s*(?:sources?|resources?|references?|refs?|출처|참고(?: ?자료)?|see also|via|credits?)"
    r"\s*(?:[:：]|$)",
    re.I,
)
_MDX = re.compile(r"^\s*(?:import|export)\s+.+?(?:\bfrom\s+)?['\"][^'\"]+['\"]\s*;?\s*$")
_TOPIC_PREFIX = re.compile(r"^(?:questions?\s+(?:about|on|for|regarding|in)\s+)", re.I)
_TOPIC_SUFFIX = re.compile(r"\s+(?:interview\s+)?questions?\s*$", re.I)
_NUMBERING = re.compile(r"^\s*(?:\d+(?:\.\d+)*[.)]|\d+\.\d+|[IVX]+\.|[A-Za-z][.)]|Q\d+[.:)]?)\s+")
_QUOTES = {"“": "”", '"': '"', "‘": "’", "'": "'", "「": "」", "『": "』", "«": "»", "„": "“"}
_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?\n)(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.S)
QUESTION_SHARE = 0.6


@dataclass
class _Section:
    title: str
    level: int
    line: int
    parent: _Section | None
    body: list[Node] = field(default_factory=list)
    children: list[_Section] = field(default_factory=list)
    role: str | None = None
    own_role: str | None = None
    behavioral: bool = False
    struck: bool = False
    is_title: bool = False  # the document's own title (or the text before any heading)


def _lines(raw: str) -> list[tuple[str, str]]:
    """Split flattened inline text at breaks: (separator before, line)."""
    parts = re.split(r"([\x01\x02])", raw)
    out = [("", parts[0])]
    for k in range(1, len(parts), 2):
        out.append((" " if parts[k] == "\x01" else "\n", parts[k + 1]))
    return out


_SPACED_NL = re.compile(r" *\n *")
_MANY_NL = re.compile(r"\n{3,}")


@lru_cache(maxsize=65536)
def _plain(raw: str, *, drop_sources: bool = True) -> str:
    """Flattened inline text to one string: soft breaks are spaces, hard breaks newlines."""
    pieces: list[str] = []
    for sep, line in _lines(raw):
        line = " ".join(line.split())
        if not line:
            if sep == "\n" and pieces and pieces[-1] != "\n":
                pieces.append("\n")
            continue
        if drop_sources and _SOURCE_LINE.match(line):
            continue
        if pieces:
            pieces.append(sep or " ")
        pieces.append(line)
    text = "".join(pieces)
    text = _SPACED_NL.sub("\n", text)
    return _MANY_NL.sub("\n\n", text).strip()


def _strip_quotes(text: str) -> str:
    text = text.strip()
    if len(text) >= 2 and text[0] in _QUOTES:
        closer = _QUOTES[text[0]]
        inner = text[1:-1] if text.endswith(closer) else None
        if inner is not None and text[0] not in inner and closer not in inner:
            return inner.strip()
    return text


def _clean_title(raw: str) -> str:
    title = _plain(raw, drop_sources=False).replace("\n", " ")
    title = title.strip().rstrip(":：").strip()
    return title


def _topic_of(title: str) -> str:
    topic = _NUMBERING.sub("", title, count=1) or title
    topic = _TOPIC_PREFIX.sub("", topic)
    topic = _TOPIC_SUFFIX.sub("", topic) or topic
    topic = topic.strip().rstrip(":：").strip()
    return topic[:1].upper() + topic[1:] if topic else title


def question_like(text: str) -> bool:
    text = text.strip()
    if not text:
        return False
    if _QMARK.search(text):
        return True
    first = _strip_quotes(text.split("\n", 1)[0])
    first = _NUMBERING.sub("", first, count=1)
    if _ASK_START.match(first):
        return True
    return any(_ASK_END_KO.search(s) for s in re.split(r"(?<=[.!])\s+", text) if s)


def _heading_asks(title: str) -> bool:
    """Stricter than for prose: "Detect SQL Injection" names a question, it does not ask one."""
    if _QMARK.search(title) or _ASK_END_KO.search(title):
        return True
    return bool(_ASK_START.match(title)) and len(title.split()) >= 4


def _strong_question(text: str) -> bool:
    """Ends asking (a question mark at the end, or an imperative prompt)."""
    text = text.strip()
    if not text:
        return False
    if _QMARK.search(text[-3:]):
        return True
    last = re.split(r"(?<=[.!?？])\s+|\n", text)[-1]
    return bool(_ASK_START.match(last) or _ASK_END_KO.search(text))


def _role_of(title: str, inherited: str | None) -> tuple[str | None, bool]:
    """The section's own role. Inside a question section only strong words count:
    "Write Strategies" or "Code Review" there is a question's title, not a new kind."""
    role = None
    for name, rx in _ROLES:
        if rx.search(title):
            role = name
            break
    if inherited in ("questions", "ask", "concept") and role in ("profile", "concept?"):
        role = None
    if role == "concept?":
        role = "concept"
    return role, bool(_BEHAVIORAL.search(title))


class _Reader:
    def __init__(self, text: str, path: str):
        self.path = path
        self.title = ""
        text = self._front_matter(text)
        self.lines = text.split("\n")
        self.skipped: list[Skipped] = []
        self.drafts: list[Draft] = []
        self.levels: list[int] = []  # heading level of the section each draft came from
        self.from_prose: list[int] = []  # indexes of drafts read from a heading and its text
        self.nodes = parse(text)

    # -- noise -------------------------------------------------------------
    def _front_matter(self, text: str) -> str:
        m = _FRONT_MATTER.match(text)
        if not m:
            return text
        from ..yamlsafe import load

        loaded = load(m.group(1).encode("utf-8"), self.path)
        data = loaded.data
        if not loaded.problems and isinstance(data, dict):
            title = data.get("title")
            if isinstance(title, str) and title.strip():
                self.title = " ".join(title.split())
        # Keep line numbers: blank the front matter instead of cutting it.
        return "\n" * m.group(0).count("\n") + text[m.end() :]

    def _noise(self, node: Node) -> bool:
        if node.type in ("html", "hr"):
            return True
        if node.type == "para":
            src = self.lines[node.start : node.end]
            if src and all(_MDX.match(line) for line in src if line.strip()):
                return True
            t = flatten(node.inline)
            return not _plain(t.text) or t.only_links and _links_local(t)
        return False

    # -- sections ----------------------------------------------------------
    def sections(self) -> list[_Section]:
        root = _Section("", 0, 1, None, is_title=True)
        out = [root]
        stack = [root]
        h1 = [n for n in self.nodes if n.type == "heading" and n.level == 1]
        first_heading = next((n for n in self.nodes if n.type == "heading"), None)
        for node in self.nodes:
            if node.type != "heading":
                stack[-1].body.append(node)
                continue
            t = flatten(node.inline)
            title = _clean_title(t.text)
            while len(stack) > 1 and stack[-1].level >= node.level:
                stack.pop()
            parent = stack[-1]
            sec = _Section(title, node.level, node.start + 1, parent, struck=t.struck)
            if node is first_heading and node.level == 1 and len(h1) == 1:
                sec.is_title = True
                if not self.title:
                    self.title = title
            parent.children.append(sec)
            inherit = parent if not parent.is_title else None
            own, beh = _role_of(title, inherit.role if inherit else None)
            sec.own_role = own
            sec.role = own or (inherit.role if inherit else None)
            sec.behavioral = beh or (inherit.behavioral if inherit else False)
            sec.struck = sec.struck or bool(inherit and inherit.struck)
            if inherit and inherit.role == "skip" and own is None:
                sec.role = "skip"
            out.append(sec)
            stack.append(sec)
        return out

    def topic_for(self, sec: _Section | None) -> str:
        while sec is not None and (sec.is_title or not sec.title):
            sec = sec.parent
        if sec is None:
            return self.title or "Imported"
        return _topic_of(sec.title)

    # -- reading -----------------------------------------------------------
    def read(self) -> None:
        for sec in self.sections():
            self.read_section(sec)
        self._drop_intro_notes()

    def skip(self, line: int, what: str, reason: str) -> None:
        self.skipped.append(Skipped(line, " ".join(what.split())[:80], reason))

    def read_section(self, sec: _Section) -> None:
        body = [n for n in sec.body if not self._noise(n)]
        if sec.struck:
            self.skip(sec.line, sec.title, "struck through")
            return
        if sec.role == "skip":
            if body and not (sec.parent and sec.parent.role == "skip"):
                self.skip(sec.line, sec.title, "table of contents or reference section")
            return
        if sec.role == "profile":
            if body:
                self.skip(sec.line, sec.title, "profile material, not questions")
            return
        leaf = not sec.children and not sec.is_title
        lead: list[Node] = []
        for n in body:
            if n.type in ("para", "fence", "code", "quote", "table"):
                lead.append(n)
            else:
                break
        lists = [n for n in body if n.type == "list"]
        lead_text = "\n\n".join(self.prose(n) for n in lead if n.type in ("para", "quote"))
        heading_asks = _heading_asks(sec.title)
        asks = _strong_question(lead_text) if heading_asks else question_like(lead_text)
        if leaf and lead and asks:
            follow = body[len(lead)] if len(body) > len(lead) else None
            if follow is not None and follow.type == "list" and self._asking_list(follow):
                # An imperative line above a list of questions is advice to the
                # reader ("Show that you care"); a real question mark is a card.
                if _QMARK.search(lead_text):
                    self.titled(sec, lead, [], sec.line)
                else:
                    self.skip(lead[0].start + 1, lead_text, "text above a list of questions")
                self.read_list(sec, follow, forced=True)
                for n in body[len(lead) + 1 :]:
                    if n.type == "list":
                        self.read_list(sec, n, forced=False)
                self._skip_beside_lists(
                    body, [n for n in body[len(lead) + 1 :] if n.type != "list"]
                )
                return
            self.titled(sec, lead, body[len(lead) :], sec.line)
            return
        if (
            leaf
            and not lead
            and len(body) == 1
            and body[0].type == "list"
            and len(body[0].items) == 1
            and sec.own_role is None
            and sec.role in ("questions", "ask")
            and not heading_asks
        ):
            # `#### Title` over a single bulleted question: the titled shape.
            item = body[0].items[0]
            if item.first is not None and not item.rest:
                self.titled(sec, [item.first], [], sec.line)
                return
        card_lists = []
        for n in lists:
            if self._toc(n):
                self.skip(n.start + 1, sec.title or "list", "table of contents")
            elif sec.role in ("ask", "concept", "questions") or self._asking_list(n):
                card_lists.append(n)
        if card_lists:
            for n in card_lists:
                self.read_list(sec, n, forced=sec.role in ("ask", "concept", "questions"))
            self._skip_beside_lists(body, [n for n in body if n.type != "list"])
            return
        if not leaf or not body:
            if lead_text and question_like(lead_text) and not sec.is_title:
                self.skip(lead[0].start + 1, lead_text, "text above subsections")
            return
        if not lead and all(n.type == "list" and self._toc(n) for n in body):
            return
        if sec.role in ("questions", "ask") and lead and not heading_asks:
            self.titled(sec, lead, body[len(lead) :], sec.line)
            return
        self.note(sec, body)

    def _skip_beside_lists(self, body: list[Node], left: list[Node]) -> None:
        """Prose or code beside a list of questions belongs to no card: say so, not drop it."""
        for n in left:
            what = self.prose(n) if n.type in ("para", "quote") else self.source(n)
            if what.strip():
                self.skip(
                    n.start + 1, what,
                    "text beside a list of questions: indent it under a question to keep it",
                )  # fmt: skip

    # -- shapes ------------------------------------------------------------
    def titled(self, sec: _Section, lead: list[Node], rest: list[Node], line: int) -> None:
        """`#### Title` + a paragraph that asks: the paragraph is the question."""
        parts: list[str] = []
        links: list[tuple[str, str]] = []
        for n in lead:
            if n.type == "para":
                t = flatten(n.inline)
                links += t.links
                parts.append(_plain(t.text))
            elif n.type == "quote":
                parts.append(self.prose(n))
            else:
                parts.append(self.source(n))
        q = _strip_quotes("\n\n".join(p for p in parts if p))
        answer = self.answer(rest)
        answer = _with_links(answer, links, q)
        self.add(
            Draft(
                q=q,
                a=answer,
                kind=self.kind(sec),
                topic=self.topic_for(sec.parent),
                line=(lead[0].start + 1) if lead else line,
                name=_NUMBERING.sub("", sec.title, count=1) or sec.title,
            ),
            sec,
            prose=True,
        )

    def note(self, sec: _Section, body: list[Node]) -> None:
        """A heading with prose, lists or code: the heading is the front."""
        if not sec.title:
            return
        kind = self.kind(sec) if sec.role in ("questions", "ask", "concept") else "concept"
        self.add(
            Draft(
                q=_strip_quotes(sec.title),
                a=self.answer(body),
                kind=kind,
                topic=self.topic_for(sec.parent),
                line=sec.line,
                name=sec.title,
            ),
            sec,
            prose=True,
        )

    def read_list(self, sec: _Section, node: Node, *, forced: bool, group: str = "") -> None:
        for item in node.items:
            t = flatten(item.first.inline) if item.first else None
            text = _strip_quotes(_plain(t.text)) if t else ""
            line = item.start + 1
            nested = [n for n in item.rest if n.type == "list"]
            if t is not None and t.struck:
                self.skip(line, text, "struck through")
                continue
            if t is not None and t.only_links and _links_local(t):
                self.skip(line, text, "link to another part of the document")
                continue
            if t is not None and _SOURCE_LINE.match(_plain(t.text, drop_sources=False)):
                continue
            if nested and t is not None and self._group(t, text, nested, forced):
                name = _topic_of(_clean_title(t.lead_strong or t.text))
                for n in nested:
                    self.read_list(sec, n, forced=True, group=name)
                continue
            if not text:
                if item.rest:
                    self.skip(line, self.source_of(item.rest)[:60], "list item without text")
                continue
            if not forced and not question_like(text):
                self.skip(line, text, "not a question (in a list of questions)")
                continue
            self.list_card(sec, item, t, text, group)

    def list_card(self, sec: _Section, item: Item, t: Inline | None, text: str, group: str) -> None:
        q, answer, keywords, name = text, self.answer(item.rest), [], None
        if sec.role == "concept" and t is not None:
            term, desc = _split_term(t)
            if term:
                q, name = _strip_quotes(term), term
                if desc:
                    answer = f"{desc}\n\n{answer}" if answer else desc
                    parts = [p.strip() for p in re.split(r"[,，、]", desc)]
                    if len(parts) > 1 and all(0 < len(p) <= 40 for p in parts):
                        keywords = parts
        if t is not None:
            answer = _with_links(answer, t.links, q)
        self.add(
            Draft(
                q=q,
                a=answer,
                kind=self.kind(sec, group),
                topic=_topic_of(group) if group else self.topic_for(sec),
                keywords=keywords,
                line=item.start + 1,
                name=name,
            ),
            sec,
        )

    def add(self, draft: Draft, sec: _Section, prose: bool = False) -> None:
        if prose:
            self.from_prose.append(len(self.drafts))
        self.drafts.append(draft)
        self.levels.append(sec.level)

    def kind(self, sec: _Section, group: str = "") -> str:
        if sec.role in ("ask", "concept"):
            return sec.role
        if sec.behavioral or (group and _BEHAVIORAL.search(group)):
            return "behavioral"
        return "technical"

    # -- judgements ----------------------------------------------------------
    def _asking_list(self, node: Node) -> bool:
        texts: list[str] = []
        for item in node.items:
            t = flatten(item.first.inline) if item.first else None
            if t is None or t.struck:
                continue
            nested = [n for n in item.rest if n.type == "list"]
            text = _plain(t.text)
            if nested and (t.lead_strong is not None and not t.after_strong.strip(" :：")):
                for n in nested:
                    texts += [
                        _plain(flatten(i.first.inline).text) for i in n.items if i.first is not None
                    ]
            else:
                texts.append(text)
        texts = [x for x in texts if x]
        if not texts:
            return False
        asking = sum(question_like(x) for x in texts)
        return asking >= QUESTION_SHARE * len(texts)

    def _group(self, t: Inline, text: str, nested: list[Node], forced: bool) -> bool:
        """A bold label with questions nested below it (`1. **Python**`)."""
        bold_label = t.lead_strong is not None and not t.after_strong.strip(" :：")
        label = bold_label or (text.endswith((":", "：")) and not question_like(text))
        if not label:
            return False
        return forced or all(self._asking_list(n) for n in nested)

    def _toc(self, node: Node) -> bool:
        for item in node.items:
            if item.first is None:
                return False
            t = flatten(item.first.inline)
            if not (t.only_links and _links_local(t)):
                return False
            for n in item.rest:
                if n.type != "list" or not self._toc(n):
                    return False
        return bool(node.items)

    def _drop_intro_notes(self) -> None:
        """One or two headings with text above the level where the titled questions
        or notes sit, before the first of them, are an introduction ("Where are the
        answers?"), not cards. More than that is a section of its own: kept."""
        if not self.from_prose:
            return
        counts = Counter(self.levels[i] for i in self.from_prose)
        level, count = counts.most_common(1)[0]
        if count < 3:
            return
        first = next(i for i in self.from_prose if self.levels[i] == level)
        drop = {
            i
            for i in self.from_prose
            if i < first and self.levels[i] < level and counts[self.levels[i]] <= 2
        }
        for i in sorted(drop):
            d = self.drafts[i]
            self.skip(d.line, d.name or d.q, "introduction (above the level of the questions)")
        self.drafts = [d for i, d in enumerate(self.drafts) if i not in drop]
        self.levels = [v for i, v in enumerate(self.levels) if i not in drop]

    # -- text --------------------------------------------------------------
    def source(self, node: Node) -> str:
        return self._slice(node.start, node.end)

    def source_of(self, nodes: list[Node]) -> str:
        if not nodes:
            return ""
        return self._slice(nodes[0].start, max(n.end for n in nodes))

    def _slice(self, start: int, end: int) -> str:
        text = textwrap.dedent("\n".join(self.lines[start:end])).strip("\n")
        return "\n".join(_expand_lead_tabs(line).rstrip() for line in text.split("\n"))

    def prose(self, node: Node) -> str:
        if node.type == "para":
            return _plain(flatten(node.inline).text)
        if node.type == "quote":
            return "\n\n".join(self.prose(n) for n in node.children if n.type == "para")
        return ""

    def answer(self, nodes: list[Node]) -> str:
        """Answer text: the Markdown source of the blocks, noise left out."""
        parts = [self.source(n) for n in nodes if not self._noise(n) and n.type != "heading"]
        return "\n\n".join(p for p in parts if p.strip())


def _links_local(t: Inline) -> bool:
    """Links into the same document or repository: a table of contents, not content."""
    return all(href.startswith("#") or not re.match(r"[a-z]+:", href, re.I) for _, href in t.links)


def _split_term(t: Inline) -> tuple[str, str]:
    """`**Term:** description` or `Term: description` -> (term, description)."""
    if t.lead_strong is not None:
        term = _plain(t.lead_strong).strip().rstrip(":：").strip()
        desc = _plain(t.after_strong).strip().lstrip(":：-–—").strip()
        return term, desc
    text = _plain(t.text)
    m = re.match(r"^(.{1,60}?)\s*(?:[:：]|\s[-–—]\s)\s*(.+)$", text, re.S)
    if m and not question_like(m.group(1)):
        return m.group(1).strip(), m.group(2).strip()
    return text, ""


def _with_links(answer: str, links: list[tuple[str, str]], q: str) -> str:
    """Links flattened out of a question are kept in its answer, so nothing is lost."""
    kept = [f"- [{text or href}]({href})" for text, href in links if re.match(r"https?:", href)]
    kept = [k for k in kept if k not in answer]
    if not kept:
        return answer
    block = "\n".join(kept)
    return f"{answer}\n\n{block}" if answer else block


def _expand_lead_tabs(line: str) -> str:
    # Deck files refuse tabs in indentation; Markdown reads a tab as 4 columns.
    stripped = line.lstrip(" \t")
    if "\t" not in line[: len(line) - len(stripped)]:
        return line
    return line[: len(line) - len(stripped)].expandtabs(4) + stripped


def parse_markdown(text: str, path: str) -> Imported:
    reader = _Reader(text, path)
    reader.read()
    for d in reader.drafts:
        d.line = d.line or 1
    from pathlib import Path as _P

    return Imported(
        path=path,
        format="markdown",
        title=reader.title or _P(path).stem,
        language="",
        drafts=reader.drafts,
        skipped=sorted(reader.skipped, key=lambda s: s.line),
    )
