"""Markdown prep documents, question lists and topic notes, read section by section.

The text is parsed into blocks by `mdblocks` (the CommonMark block rules the
importer needs, checked against markdown-it), so code fences, HTML blocks and
lists nest the way a renderer shows them: a `#` inside code is never a
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

from .mdblocks import Inline, Item, Node, flatten, parse
from .model import Draft, Imported, Overrides, Skipped

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
    r"\bhr\b|인성|행동|문화|컬처|태도|가치관|협업|갈등|성격|장단점|강점|약점|포부|입사 ?후|"
    r"자기 ?소개|self[- ]introduction|지원 ?동기|personality|strengths? and weakness|teamwork|"
    r"why (?:this|our|the|do you want to join) (?:company|role|job|team)|tell me about yourself",
    re.I,
)

# A question that asks for a story, whatever its section: "Tell me about a time…".
_BEHAVIORAL_Q = re.compile(
    r"\btell (?:me|us) about a time|\bdescribe a (?:time|situation)\b|"
    r"\bgive (?:me |us )?an example of (?:a time|when)|\ba time (?:when|you)\b",
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
    r"fix|find|spot|detect|rewrite|prove|solve|calculate|predict|ask|inform|switch|evolve)\b",
    re.I,
)
_ASK_END_KO = re.compile(
    r"(?:나요|까요|니까|세요|가요|은가|는가|인가|을까|할까|줘|주세요|하시오|하라|십시오|해 ?봐|"
    r"보세요|말해 ?주세요|설명하시오|입니까|습니까|ㅂ니까|죠|나|니|냐|봅시다)[)\]）\"'”’」』.!\s]*$"
)
_QMARK = re.compile(r"[?？]")
# A toggle's own word beside a fold's label: "펼치기", "▶", "(click to expand)".
_TOGGLE_WORD = re.compile(
    r"^\s*[▶▷►▸▼▽⏵👉]+\s*|\s*[▶▷►▸▼▽⏵]+\s*$|"
    r"\s+(?:[(\[]\s*)?(?:펼치기|펼쳐 ?보기|접기|더 ?보기|토글)(?:\s*[)\]])?\s*$|"
    r"\s*[(\[]\s*(?:click(?: here)?(?: to)? (?:expand|open|show|see)(?: the answer)?|"
    r"expand|toggle|show answer)\s*[)\]]\s*$",
    re.I,
)
# "Using your preferred language, write a REPL": the prompt after a leading clause.
_CLAUSE_ASKS = re.compile(
    r"[,;:]\s+(?:write|implement|design|explain|describe|build|create|draw|make|tell)\b",
    re.I,
)
# "설명해보세요.(보충필요)": a note in brackets after the question.
_TRAILING_NOTE = re.compile(r"\s*[(\[（][^()\[\]（）]{0,40}[)\]）]\s*$")
_MISC_LABEL = re.compile(
    r"^\W*(?:기타|etc\.?|misc\w*|others?|참고|references?|links?)(?:\W|$)", re.I
)
_LEAD_WORD = re.compile(r"^(?:then|now|also|and|so|next|finally),?\s+", re.I)
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
_TABLE_Q = re.compile(
    r"^(?:(?:interview |sample |example )?questions?|q|질문(?: ?내용)?|문제|면접 ?질문|예상 ?질문)$",
    re.I,
)
_MD_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})[ \t]*(?:markdown|md)\b[^`]*$", re.I)
_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?\n)(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.S)
QUESTION_SHARE = 0.6
_TOC_WORDS = re.compile(r"table of contents|\bcontents\b|\btoc\b|목차|차례", re.I)
# A label that says "the answer follows" (a `<summary>`, a repeated sub-heading).
_ANSWER_LABEL = re.compile(
    r"^\W*(?:(?:the |an? )?answers?|solutions?|explanations?|answer (?:and|&) explanation|"
    r"(?:show|see|reveal|view|check)(?: the)? (?:answers?|solutions?)|click(?: here)?(?: to .*)?|"
    r"reveal|hints?|model answer|sample answer|example answer|code|example|output|result|"
    r"정답(?: ?(?:및|과)? ?(?:해설|코드|풀이))?|답|답변|해설|풀이|설명|모범 ?답안|예시 ?답안|"
    r"예상 ?답변|코드|예시|결과|출력|확인|"
    r"(?:토글|접기|펼치기|펼쳐 ?보기|보기|열기|닫기|더 ?보기|toggle|expand|collapse|show|hide|more)"
    r"(?:[ /·,|]+(?:토글|접기|펼치기|펼쳐 ?보기|보기|열기|닫기|더 ?보기|toggle|expand|collapse|"
    r"show|hide|more))*)\W*$",
    re.I,
)
# "Question 3", "문제 3", "Q3": a label whose question is in the text below it.
_QUESTION_LABEL = re.compile(
    r"^\W*(?:questions?|problems?|exercises?|quiz|질문|문제|연습 ?문제|q)\s*#?\d*\W*$", re.I
)
# Label prefixes on a question or an answer: "Q1.", "Question:", "질문:", "A.", "**Answer:**".
_Q_PREFIX = re.compile(
    r"^\s*(?:(?:Q|Question|질문|문제|Problem)\s*#?\d{0,3}\s*[.:)：]|Q\d{1,3}\b[\s.:)—–-]*)\s*",
    re.I,
)
_A_PREFIX = re.compile(
    r"^\s*(?:\*\*|__)?(?:A|Ans|Answer|Explanation|Solution|답|답변|해설|풀이)\s*\d{0,3}\s*[.:：)]"
    r"\s*(?:\*\*|__)?\s*",
    re.I,
)
_A_SPLIT = re.compile(
    r"\n\s*(?=(?:A|Ans|Answer|Explanation|Solution|답|답변|해설)\s*[.:：)])", re.I
)
_LEAD_SYMBOLS = re.compile(r"^[^\w(\[`\"'“‘]+")
_BARE_NUMBER = re.compile(r"^\W*(?:#|no\.?|q|part|step|day|문제|질문)?\s*\d+\W*$", re.I)
# "Question: What is X? Answer: Y." on one line.
_A_INLINE = re.compile(r"\s+(?=(?:Answer|Ans|A|답변|답)\s*[:：])")
_EMOJI_CODE = re.compile(r"(?<![\w:]):[a-z][a-z0-9_+\-]*:(?![\w:])")
_NAV_TEXT = re.compile(
    r"^\W*(?:(?:go )?back(?: to)?(?: the)?(?: top| toc| contents| index| list| home)?|"
    r"(?:to )?top|home|prev(?:ious)?|next|up|맨 ?위로(?: ?가기)?|위로(?: ?가기)?|뒤로(?: ?가기)?|"
    r"목차(?:로)?(?: ?(?:돌아)?가기)?|처음으로|이전|다음|홈)\W*$",
    re.I,
)


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
    is_toc: bool = False  # a table of contents: its role is not passed to what follows
    consumed: bool = False  # read as part of a parent's answer
    told_skip: bool = False  # skipped because the person said so (--skip-section)


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
    if ":" in text:
        text = re.sub(r"[ \t]{2,}", " ", _EMOJI_CODE.sub(" ", text)).strip(" ")
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
    topic = _LEAD_SYMBOLS.sub("", topic) or topic
    return topic[:1].upper() + topic[1:] if topic else title


def question_like(text: str) -> bool:
    text = text.strip()
    if not text:
        return False
    if _QMARK.search(text):
        return True
    first = _strip_quotes(text.split("\n", 1)[0])
    first = _Q_PREFIX.sub("", _NUMBERING.sub("", first, count=1), count=1)
    if _ASK_START.match(first) or _CLAUSE_ASKS.search(first):
        return True
    sentences = [s for s in re.split(r"(?<=[.!])\s+", text) if s]
    if len(text) <= 300 and any(
        _ASK_START.match(_LEAD_WORD.sub("", s, count=1)) for s in sentences[1:]
    ):
        return True  # "You are my boss and I'm fired. Inform me."
    return any(
        _ASK_END_KO.search(s) or _ASK_END_KO.search(_TRAILING_NOTE.sub("", s)) for s in sentences
    )


def _heading_asks(title: str) -> bool:
    """Stricter than for prose: "Detect SQL Injection" names a question, it does not ask one."""
    title = _Q_PREFIX.sub("", title, count=1) or title  # "Q1: Explain the GIL"
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
    sentence = title.rstrip().endswith((".", "。")) and len(title.split()) >= 3
    if role in ("profile", "skip", "concept?", "questions", "concept") and (
        _QMARK.search(title) or _ASK_END_KO.search(title) or sentence
    ):
        # "Why this company?", "자기소개를 해 주세요": a question that happens to hold
        # a word of those families is still a question.
        role = None
    if role == "concept?":
        role = "concept"
    return role, bool(_BEHAVIORAL.search(title))


class _Reader:
    def __init__(self, text: str, path: str, overrides: Overrides | None = None):
        self.ov = overrides or Overrides()
        self.path = path
        from pathlib import Path as _Path

        self.fallback = _Path(path).stem or "Imported"  # the topic of a file without a title
        self.title = ""
        text = self._front_matter(text)
        self.skipped: list[Skipped] = []
        text = self._unfence(text)
        self.lines = text.split("\n")
        self.drafts: list[Draft] = []
        self.levels: list[int] = []  # heading level of the section each draft came from
        self.from_prose: list[int] = []  # indexes of drafts read from a heading and its text
        self.notes: list[int] = []  # indexes of drafts whose front is a heading over text
        self.nodes = parse(text)
        self._repeated: Counter[tuple[int, str]] = Counter()
        self._spans: list[tuple[int, int]] = []  # lines of the blocks answers were read from
        self.bold_only = False  # --questions bold: every bold paragraph asks
        self.secs: list[_Section] = []

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

    def _unfence(self, text: str) -> str:
        """A document pasted inside one ```markdown fence (as chat answers give it) is
        read as the document; the few lines around it are listed as skipped."""
        lines = text.split("\n")
        opens = [i for i, line in enumerate(lines) if _MD_FENCE.match(line)]
        if len(opens) != 1:
            return text
        start = opens[0]
        mark = _MD_FENCE.match(lines[start]).group(1)  # type: ignore[union-attr]
        close = re.compile(rf"^ {{0,3}}{re.escape(mark[0])}{{{len(mark)},}}[ \t]*$")
        inner_fence = re.compile(r"^ {0,3}(`{3,}|~{3,})")
        end, depth = None, 0
        for j in range(start + 1, len(lines)):
            if close.match(lines[j]) and depth == 0:
                end = j
            elif inner_fence.match(lines[j]):
                depth = 1 - depth  # a fence inside: its closing line is not the end
        if end is None:
            end = len(lines)
        inside = sum(bool(line.strip()) for line in lines[start + 1 : end])
        outside = [i for i, line in enumerate(lines) if line.strip() and not start <= i <= end]
        if inside < 8 or len(outside) > 0.3 * inside:
            return text
        for i in outside:
            self.skipped.append(
                Skipped(
                    i + 1, lines[i].strip()[:80], "outside the document held in a ```markdown fence"
                )
            )
        return "\n".join("" if not start < i < end else line for i, line in enumerate(lines))

    def _noise(self, node: Node) -> bool:
        if node.type in ("html", "hr"):
            return True
        if node.type == "para":
            src = self.lines[node.start : node.end]
            if src and all(_MDX.match(line) for line in src if line.strip()):
                return True
            t = flatten(node.inline)
            if t.only_links and all(_NAV_TEXT.match(text or "") for text, _ in t.links):
                return True  # [Top](#top), [뒤로](../README.md)
            return not _plain(t.text) or t.only_links and _links_local(t)
        return False

    # -- sections ----------------------------------------------------------
    def sections(self) -> list[_Section]:
        headings = [n for n in self.nodes if n.type == "heading"]
        self._repeated = Counter(
            (n.level, _NUMBERING.sub("", _clean_title(flatten(n.inline).text)).strip().lower())
            for n in headings
        )
        root = _Section("", 0, 1, None, is_title=True)
        first_ask: bool | None = None
        min_level = min((n.level for n in headings), default=1)
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
            if node is first_heading and node.level == 1 and not self.title and len(h1) > 1:
                if not any(n.type == "para" for n in self.nodes[: self.nodes.index(node)]):
                    self.title = title  # `# Reverse Interview`, then `# The Role`, `# The Team`
            if node is first_heading and node.level == 1 and len(h1) == 1:
                sec.is_title = True
                if not self.title:
                    self.title = title
                sec.own_role, sec.behavioral = _role_of(title, None)
                sec.role = sec.own_role if sec.own_role == "ask" else None
                self._as_told(sec)
                parent.children.append(sec)
                out.append(sec)
                stack.append(sec)
                continue
            if self._part_heading(node, title, parent):
                # `### 정답` under each question: a part of the question's answer.
                parent.body.append(node)
                continue
            parent.children.append(sec)
            if first_ask is None:
                first_ask = _role_of(title, None)[0] == "ask" and node.level == min_level
            inherit: _Section | None = parent
            while inherit is not None and inherit.is_toc:
                inherit = inherit.parent  # what follows a table of contents is not in it
            # The file's title says what every section is about ("Behavioral Interview").
            titled_beh = bool(inherit is not None and inherit.is_title and inherit.behavioral)
            if inherit is not None and inherit.is_title and inherit.role != "ask":
                inherit = None
            if inherit is None and first_ask and parent is root:
                # `# Questions to ask` then `# The Team`, `# The Company`: one list.
                inherit = _Section("", 0, 1, None, role="ask")
            own, beh = _role_of(title, inherit.role if inherit else None)
            sec.own_role = own
            sec.is_toc = own == "skip" and bool(_TOC_WORDS.search(title))
            sec.role = own or (inherit.role if inherit else None)
            sec.behavioral = beh or titled_beh or (inherit.behavioral if inherit else False)
            sec.struck = sec.struck or bool(inherit and inherit.struck)
            if inherit and inherit.role == "skip" and own is None:
                sec.role = "skip"
                sec.told_skip = inherit.told_skip
            self._as_told(sec)
            out.append(sec)
            stack.append(sec)
        return out

    def _as_told(self, sec: _Section) -> None:
        """--skip-section and --keep-section: the person's word over the heading's words."""
        title = sec.title.lower()
        if any(w.lower() in title for w in self.ov.keep_sections):
            if sec.role in ("skip", "profile"):
                sec.role = None
            if sec.own_role in ("skip", "profile"):
                sec.own_role = None
            sec.is_toc = sec.told_skip = False
        if any(w.lower() in title for w in self.ov.skip_sections):
            sec.role = sec.own_role = "skip"
            sec.told_skip = True

    def _part_heading(self, node: Node, title: str, parent: _Section) -> bool:
        """A heading that names a part of the answer above it (`### 정답`, `#### Answer`,
        `### 코드`), or one that repeats under many questions: not a question itself."""
        if parent.is_title or parent.level == 0 or node.level <= parent.level:
            return False
        if self.ov.questions is not None and self.ov.questions[0] == "h":
            return False  # the person said which headings are questions: all are sections
        if _ANSWER_LABEL.match(title) or (
            _QUESTION_LABEL.match(title) and not re.search(r"\d", title)
        ):
            return True  # `### 문제` is a part; `### Question 3` holds a question
        key = _NUMBERING.sub("", title).strip().lower()
        return self._repeated.get((node.level, key), 0) >= 3 and not _heading_asks(title)

    def topic_for(self, sec: _Section | None) -> str:
        while sec is not None and (
            sec.is_title or not sec.title or sec.is_toc or _BARE_NUMBER.match(sec.title)
        ):
            sec = sec.parent
        if sec is None:
            return self.title or self.fallback
        return _topic_of(sec.title)

    # -- reading -----------------------------------------------------------
    def read(self) -> None:
        self.pending_intros: list[tuple[_Section, list[Node]]] = []
        self.origin: list[_Section] = []  # the section each draft came from
        secs = self.sections()
        self.secs = secs
        self.toc_line = next((sec.line for sec in secs if sec.is_toc), 0)
        if self.ov.questions is not None:
            self.read_as_told(secs, self.ov.questions)
        else:
            for sec in secs:
                self.read_section(sec)
            self._drop_intro_notes()
            self._own_text_of_parents()
        for d in self.drafts:
            _tidy(d)
        for d, sec in zip(self.drafts, self.origin, strict=True):
            d.topic_from = self._topic_source(d.topic, sec)  # topics may change after add()
        if self.ov.topic is not None:
            self.retopic(self.ov.topic)

    # -- reading as the person says (--questions, --topic) -------------------
    def _skipped_section(self, sec: _Section) -> bool:
        """Struck, or skipped by its words or by --skip-section: said so once, at its top."""
        if sec.struck:
            if not (sec.parent and sec.parent.struck):
                self.skip(sec.line, sec.title, "struck through")
            return True
        if sec.role != "skip":
            return False
        if not (sec.parent and sec.parent.role == "skip"):
            if sec.told_skip:
                self.skip(sec.line, sec.title, "skipped with --skip-section")
            else:
                self.skip(
                    sec.line, sec.title,
                    "table of contents or reference section (--keep-section to read it)",
                )  # fmt: skip
        return True

    def _outside(self, nodes: list[Node], shape: str) -> None:
        for n in nodes:
            if n.type == "heading":
                what = _clean_title(flatten(n.inline).text)
            elif n.type in ("para", "quote"):
                what = self.prose(n)
            else:
                what = self.source(n)
            if what.strip():
                self.skip(n.start + 1, what, f"outside the questions (--questions {shape})")

    def read_as_told(self, secs: list[_Section], shape: str) -> None:
        level = int(shape[1]) if shape[0] == "h" else 0
        for sec in secs:
            if sec.consumed or self._skipped_section(sec):
                continue  # subsections of a skipped one inherit its role, or have their own
            body = [n for n in sec.body if not self._noise(n)]
            if level:
                if sec.level == level and sec.title:
                    self.heading_card(sec, body + self._subtree_nodes(sec), shape)
                else:
                    self._outside(body, shape)
                continue
            rest: list[Node] = []
            for n in body:
                if shape == "list" and n.type == "list":
                    if self._toc(n):
                        self.skip(n.start + 1, sec.title or "list", "table of contents")
                    else:
                        self.read_list(sec, n, forced=True)
                elif shape == "details" and n.type == "details":
                    summary = self._summary(n)
                    if summary and not _ANSWER_LABEL.match(summary):
                        self.read_details(sec, n, "")
                    elif self.drafts and self.origin[-1] is sec:
                        last = self.drafts[-1]
                        extra = self.details_body(n)
                        last.a = f"{last.a}\n\n{extra}" if last.a else extra
                        last.end = n.end
                    else:
                        self.skip(n.start + 1, self.details_body(n), "answer without a question")
                else:
                    rest.append(n)
            if shape == "bold":
                self.bold_only = True
                self.read_sequence(sec, body)
                self.bold_only = False
            else:
                self._outside(rest, shape)

    def heading_card(self, sec: _Section, nodes: list[Node], shape: str) -> None:
        """`--questions hN`: the heading asks, or names the question its first paragraph
        asks; everything below it, down to the next heading of its level, answers."""
        lead = nodes[0] if nodes and nodes[0].type == "para" else None
        if nodes and nodes[0].type == "list" and len(nodes[0].items) == 1:
            item = nodes[0].items[0]  # `#### Sizing` over one bulleted question
            if item.first is not None and not item.rest:
                lead = item.first
        if lead is not None and not _heading_asks(sec.title) and question_like(self.prose(lead)):
            k = 1
            while k < len(nodes) and nodes[k].type in ("fence", "code"):
                k += 1  # the question's code: "What does this print?" then the code
            self.titled(sec, [lead, *nodes[1:k]], nodes[k:], sec.line)
            self.drafts[-1].shape = f"{shape} heading + question paragraph"
            return
        self.add(
            Draft(
                q=_strip_quotes(sec.title),
                a=self.answer(nodes),
                kind=self.kind(sec),
                topic=self.topic_for(sec.parent),
                line=sec.line,
                name=sec.title,
            ),
            sec,
            shape=f"{shape} heading",
        )

    def retopic(self, level: str) -> None:
        """--topic hN: each card's topic is the heading of that level it sits under
        (the file's title for a card under none); --topic none: one topic."""
        import bisect

        if level == "none":
            for d in self.drafts:
                d.topic, d.topic_from = "", "title"
            return
        n = int(level[1])
        secs = sorted((s for s in self.secs if s.level > 0), key=lambda s: s.line)
        lines = [s.line for s in secs]
        for d in self.drafts:
            at = bisect.bisect_right(lines, d.line) - 1
            sec: _Section | None = secs[at] if at >= 0 else None
            while sec is not None and sec.level > n:
                sec = sec.parent
            if sec is not None and sec.level == n and sec.title:
                d.topic, d.topic_from = _topic_of(sec.title), f"h{n}"
            else:
                d.topic, d.topic_from = "", "title"

    def _own_text_of_parents(self) -> None:
        """A section with text of its own and subsections: over subsections of notes, its
        text is a note too; over questions, it introduces them and is listed as skipped."""
        for sec, nodes in self.pending_intros:
            under = [i for i, o in enumerate(self.origin) if o is not sec and _within(o, sec)]
            notes = all(self.drafts[i].kind == "concept" for i in under)
            if under and notes and sec.title and not sec.is_title and sec.role != "skip":
                at = under[0]
                draft = Draft(
                    q=_strip_quotes(sec.title),
                    a=self.answer(nodes),
                    kind="concept",
                    topic=self.topic_for(sec.parent),
                    line=sec.line,
                    name=sec.title,
                    shape="heading with text",
                    level=sec.level,
                    end=max(n.end for n in nodes),
                )
                self._spans.clear()
                self.drafts.insert(at, draft)
                self.origin.insert(at, sec)
                continue
            reason = "introduction" if sec.is_title else "text above subsections"
            for n in nodes:
                what = self.prose(n) if n.type in ("para", "quote") else self.source(n)
                if what.strip():
                    self.skip(n.start + 1, what, reason)

    # -- sequences: <details> blocks, bold Q paragraphs -------------------------
    def _summary(self, node: Node) -> str:
        text = _plain(flatten(node.inline).text).replace("\n", " ")
        bare = _TOGGLE_WORD.sub("", text).strip()
        return bare if bare else text  # "자기소개 펼치기": the label, not its toggle

    def _table_rows(self, node: Node) -> tuple[int, list[str], list[tuple[int, list[str]]]]:
        """A table with a Question column: (that column, the header, the rows with their
        lines); (-1, [], []) for any other table."""
        src = self.lines[node.start : node.end]
        if len(src) < 3:
            return -1, [], []

        def cells(line: str) -> list[str]:
            line = line.strip()
            line = line[1:] if line.startswith("|") else line
            line = line[:-1] if line.endswith("|") and not line.endswith("\\|") else line
            return [c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", line)]

        head = cells(src[0])
        names = [_plain(flatten(h).text).lower().strip(" :") for h in head]
        col = next((i for i, h in enumerate(names) if _TABLE_Q.match(h)), -1)
        if col < 0:
            return -1, [], []
        rows = [(node.start + 2 + k, cells(line)) for k, line in enumerate(src[2:]) if line.strip()]
        return col, head, rows

    def read_table(self, sec: _Section, node: Node) -> None:
        """`| Question | Answer | … |`: a card a row; the other columns, named, answer it."""
        col, head, rows = self._table_rows(node)
        names = [_plain(flatten(h).text) for h in head]
        for line, row in rows:
            q = _plain(flatten(row[col]).text) if col < len(row) else ""
            if not q:
                self.skip(line + 1, " | ".join(row), "no question in this row")
                continue
            parts = []
            for i, cell in enumerate(row):
                if i == col or not cell.strip() or i >= len(names):
                    continue
                if names[i].strip().lower() in ("#", "no", "no.", "번호", "순번", "number", "num"):
                    continue  # the row's number
                label = names[i]
                answerish = _ANSWER_LABEL.match(label) or label.lower() in ("a", "answers")
                parts.append(cell if answerish else f"**{label}:** {cell}")
            self.add(
                Draft(
                    q=_strip_quotes(q),
                    a="\n\n".join(parts),
                    kind=self.kind(sec),
                    topic=self.topic_for(sec),
                    line=line + 1,
                ),
                sec,
                shape="table row",
            )
            self.drafts[-1].end = line + 1 if parts else 0

    def _label_before(self, node: Node, nxt: Node | None) -> bool:
        """A short line that names what follows ("(공통)", "🌐 Network", "Java:"), right
        above folds or a list of questions: their topic, not text beside them."""
        if node.type != "para" or nxt is None:
            return False
        if not (nxt.type == "details" or (nxt.type == "list" and self._asking_list(nxt))):
            return False
        t = flatten(node.inline)
        text = _plain(t.text)
        if "\n" in text or not 0 < len(text) <= 40 or t.links:
            return False
        return not question_like(text) and not text.rstrip().endswith((".", "。", "!"))

    def _q_para(self, node: Node, labelled: bool = False) -> bool:
        if node.type == "quote":
            # `> What is X?` then the answer below it: the quoted line asks.
            kids = [k for k in node.children if k.type == "para"]
            if len(kids) != 1 or len(node.children) != 1 or labelled:
                return False
            text = _plain(flatten(kids[0].inline).text)
            return len(text) <= 300 and _strong_question(text)
        if node.type != "para":
            return False
        t = flatten(node.inline)
        text = _plain(t.text)
        if _Q_PREFIX.match(text) and not _A_PREFIX.match(text):
            return True
        if labelled:
            return False
        whole_bold = t.lead_strong is not None and not t.after_strong.strip(" :：\x01\x02")
        return whole_bold and (self.bold_only or question_like(text))

    def _sequence(self, body: list[Node]) -> bool:
        details = [n for n in body if n.type == "details"]
        if any(not _ANSWER_LABEL.match(self._summary(n)) for n in details):
            return True
        if sum(self._q_para(n) for n in body) >= 2:
            return True
        return len(details) >= 2

    def read_sequence(
        self, sec: _Section, body: list[Node], group: str = "", title_q: str = ""
    ) -> None:
        """Blocks in turn: a `<details>` is a card (its summary asks, its body answers)
        or a group of them; a bold or `Q:` paragraph starts a card and what follows
        answers it; an "Answer" fold answers the question just above it."""
        q_nodes: list[Node] = []
        a_nodes: list[Node] = []

        pending_title = [title_q] if title_q else []
        first = len(self.drafts)

        def flush() -> None:
            if pending_title:
                self.add(
                    Draft(
                        q=_strip_quotes(pending_title.pop()),
                        a=self.answer(a_nodes),
                        kind=self.kind(sec, group),
                        topic=self.topic_for(sec.parent),
                        line=sec.line,
                    ),
                    sec,
                    shape="heading",
                )
            elif q_nodes:
                self.card_from(sec, q_nodes, a_nodes, group)
            q_nodes.clear()
            a_nodes.clear()

        folds = [self._summary(n) for n in body if n.type == "details"]
        folds = [f for f in folds if f and not _ANSWER_LABEL.match(f)]
        asking = sum(question_like(f) for f in folds)
        misc_ok = len(folds) >= 3 and asking >= 1  # "기타" among folds that ask: notes
        outer = group
        for k, n in enumerate(body):
            nxt = body[k + 1] if k + 1 < len(body) else None
            if not q_nodes and self._label_before(n, nxt):
                flush()
                group = _label_text(self.prose(n))  # "(공통)", "🌐 Network": the next folds' topic
                continue
            if n.type == "details":
                summary = self._summary(n)
                if misc_ok and summary and _MISC_LABEL.match(summary):
                    if not _ANSWER_LABEL.match(summary) and not self._details_group(n.children):
                        self.skip(
                            n.start + 1, summary, "notes, not a question (among folds that ask)"
                        )
                        continue
                if not summary or _ANSWER_LABEL.match(summary):
                    if q_nodes:
                        a_nodes.append(n)
                    elif self.drafts and self.origin[-1] is sec:
                        extra = self.details_body(n)
                        last = self.drafts[-1]
                        last.a = f"{last.a}\n\n{extra}" if last.a else extra
                    else:
                        self.skip(n.start + 1, self.details_body(n), "answer without a question")
                    continue
                flush()
                self.read_details(sec, n, group)
            elif self._q_para(n) or (
                n.type == "para"
                and not q_nodes
                and not self.bold_only
                and _strong_question(self.prose(n))
            ):
                flush()
                q_nodes.append(n)
            elif q_nodes and not a_nodes and n.type in ("fence", "code"):
                q_nodes.append(n)  # code that belongs to the question
            elif q_nodes or pending_title:
                a_nodes.append(n)
            elif n.type == "list" and self._asking_list(n):
                self.read_list(sec, n, forced=False, group=group)
            elif n.type == "list" and sec.role in ("ask", "questions", "concept"):
                self.read_list(sec, n, forced=True, group=group)
            elif n.type == "heading":
                self.skip(
                    n.start + 1, _clean_title(flatten(n.inline).text), "a label among the folds"
                )
            else:
                what = self.prose(n) if n.type in ("para", "quote") else self.source(n)
                if what.strip():
                    self.skip(n.start + 1, what, "text beside the questions")
        flush()
        group = outer
        if title_q:  # the heading is the first question, not the topic of the rest
            for d in self.drafts[first:]:
                d.topic = self.topic_for(sec.parent)

    def read_details(self, sec: _Section, node: Node, group: str) -> None:
        summary = self._summary(node)
        kids = [k for k in node.children if not self._noise(k) or k.type == "html"]
        if _QUESTION_LABEL.match(summary) or not summary:
            # "Question 3": the question is the text inside, its answer a fold below it.
            q = [k for k in kids if k.type in ("para", "quote", "fence", "code", "table")]
            rest = kids[len(q) :] if q and kids[: len(q)] == q else []
            lead: list[Node] = []
            for k in kids:
                if k.type in ("para", "quote", "fence", "code", "table"):
                    lead.append(k)
                else:
                    break
            rest = kids[len(lead) :]
            if not lead and kids and kids[0].type == "details" and not self._summary(kids[0]):
                lead, rest = kids[0].children, kids[1:]  # `<details> What is X? </details>`
            if lead:
                self.card_from(sec, lead, rest, group, name=summary or None, shape="<details> fold")
            elif kids:
                self.skip(node.start + 1, summary, "fold without a question")
            _ = q
            return
        if not question_like(summary) and self._details_group(kids):
            label = _topic_of(summary)
            self.read_sequence(sec, kids, group=label)
            return
        body = self.details_body(node)
        if not question_like(summary) and _only_links(body):
            self.skip(node.start + 1, summary, "links, not a question")
            return
        self.add(
            Draft(
                q=_strip_quotes(summary),
                a=body,
                kind=self.kind(sec, group),
                topic=_topic_of(group) if group else self.topic_for(sec),
                line=node.start + 1,
            ),
            sec,
            shape="<details> fold",
        )

    def _details_group(self, kids: list[Node]) -> bool:
        """A fold that holds questions (a list that asks, or folds that ask) names a topic."""
        inner = [k for k in kids if k.type == "details"]
        if inner and sum(question_like(self._summary(k)) for k in inner) >= QUESTION_SHARE * len(
            inner
        ):
            return True
        return any(k.type == "list" and self._asking_list(k) for k in kids)

    def card_from(
        self,
        sec: _Section,
        q_nodes: list[Node],
        a_nodes: list[Node],
        group: str,
        name: str | None = None,
        shape: str = "bold or Q: paragraph",
    ) -> None:
        parts: list[str] = []
        links: list[tuple[str, str]] = []
        for n in q_nodes:
            if n.type == "para":
                t = flatten(n.inline)
                links += t.links
                parts.append(_plain(t.text))
            elif n.type == "quote":
                parts.append(self.prose(n))
            else:
                parts.append(self.source(n))
        q = _strip_quotes("\n\n".join(p for p in parts if p))
        self.add(
            Draft(
                q=q,
                a=_with_links(self.answer(a_nodes), links, q),
                kind=self.kind(sec, group),
                topic=_topic_of(group) if group else self.topic_for(sec),
                line=q_nodes[0].start + 1,
                name=name,
            ),
            sec,
            shape=shape,
        )

    def details_body(self, node: Node) -> str:
        return self.answer(node.children, in_details=True)

    # -- parts: a question whose answer has sub-headings ------------------------
    def read_parts(self, sec: _Section, body: list[Node]) -> None:
        """`## 문제 3` / `### 문제` / `### 정답` / `### 코드`: one card. The question is a
        part labelled so, else the text before the first part, else the heading."""
        lead: list[Node] = []
        parts: list[tuple[Node, list[Node]]] = []
        for n in body:
            if n.type == "heading":
                parts.append((n, []))
            elif parts:
                parts[-1][1].append(n)
            else:
                lead.append(n)
        q_nodes: list[Node] = []
        answer: list[str] = []
        for head, nodes in parts:
            label = _clean_title(flatten(head.inline).text)
            if not q_nodes and _QUESTION_LABEL.match(label) and nodes:
                q_nodes = [
                    n for n in nodes if n.type in ("para", "quote", "fence", "code", "table")
                ]
                rest = [n for n in nodes if n not in q_nodes]
                if rest:
                    answer.append(self.answer(rest))
                continue
            text = self.answer(nodes)
            if _ANSWER_LABEL.match(label) and label.lower() not in (
                "code",
                "코드",
                "example",
                "예시",
            ):
                answer.append(text)
            elif text:
                answer.append(f"**{label}**\n\n{text}")
        lead_text = "\n\n".join(self.prose(n) for n in lead if n.type in ("para", "quote"))
        if not q_nodes and lead and (question_like(lead_text) or not sec.title):
            q_nodes = [n for n in lead if n.type in ("para", "quote", "fence", "code", "table")]
            lead = []
        if lead:
            answer.insert(0, self.answer(lead))
        a = "\n\n".join(x for x in answer if x.strip())
        if q_nodes:
            self.card_from(
                sec, q_nodes, [], "", name=_NUMBERING.sub("", sec.title) or None,
                shape="heading with answer parts",
            )  # fmt: skip
            self.drafts[-1].a = a
            self.drafts[-1].end = max(n.end for n in body) if a else 0
            self.drafts[-1].topic = self.topic_for(sec.parent)
            return
        if not sec.title:
            return
        asks = sec.role in ("questions", "ask", "concept") or _heading_asks(sec.title)
        kind = self.kind(sec) if asks else "concept"
        self.notes.append(len(self.drafts))
        self.add(
            Draft(
                q=_strip_quotes(sec.title),
                a=a,
                kind=kind,
                topic=self.topic_for(sec.parent),
                line=sec.line,
                name=sec.title,
            ),
            sec,
            prose=True,
            shape="heading with answer parts",
        )

    def _fold_children(self, sec: _Section) -> bool:
        """A heading that asks, over sub-headings that do not, holding no questions of
        their own: the sub-headings are parts of its answer."""
        if not _heading_asks(sec.title) or sec.role in ("skip", "profile"):
            return False
        stack = list(sec.children)
        while stack:
            c = stack.pop()
            if _heading_asks(c.title) or c.own_role in ("questions", "ask", "concept"):
                return False
            if any(
                n.type == "details" or (n.type == "list" and self._asking_list(n)) for n in c.body
            ):
                return False
            stack.extend(c.children)
        return True

    def _subtree_nodes(self, sec: _Section) -> list[Node]:
        out: list[Node] = []
        for c in sec.children:
            c.consumed = True
            out.append(Node("heading", c.line - 1, c.line, inline=c.title, level=c.level))
            out += c.body
            out += self._subtree_nodes(c)
        return out

    def skip(self, line: int, what: str, reason: str) -> None:
        self.skipped.append(Skipped(line, " ".join(what.split())[:80], reason))

    def read_section(self, sec: _Section) -> None:
        body = [n for n in sec.body if not self._noise(n)]
        if sec.struck:
            self.skip(sec.line, sec.title, "struck through")
            return
        if sec.role == "skip":
            if sec.told_skip and not (sec.parent and sec.parent.told_skip):
                self.skip(sec.line, sec.title, "skipped with --skip-section")
            elif body and not (sec.parent and sec.parent.role == "skip"):
                self.skip(sec.line, sec.title, "table of contents or reference section")
            return
        if sec.consumed:
            return
        if sec.role == "profile":
            if not any(n.type == "list" and self._asking_list(n) for n in body):
                if body:
                    self.skip(sec.line, sec.title, "profile material, not questions")
                return
            sec.role = None  # its words say profile, its list asks: the list wins
        tables = [n for n in body if n.type == "table" and self._table_rows(n)[0] >= 0]
        if tables:
            for n in body:
                if n in tables:
                    self.read_table(sec, n)
                elif n.type == "list" and self._asking_list(n):
                    self.read_list(sec, n, forced=False)
                else:
                    what = self.prose(n) if n.type in ("para", "quote") else self.source(n)
                    if what.strip():
                        self.skip(n.start + 1, what, "text beside a table of questions")
            return
        if self._sequence(body):
            self.read_sequence(sec, body)
            return
        if (
            not sec.children
            and _heading_asks(sec.title)
            and any(self._q_para(n, labelled=True) for n in body[1:])
        ):
            # `### Q: What is X?` / `A: …` / `**Q2.** …` / `**A2.** …`: more pairs below.
            self.read_sequence(sec, body, title_q=sec.title)
            return
        if body and all(
            n.type == "details" and _ANSWER_LABEL.match(self._summary(n) or "answer") for n in body
        ):
            self.skip(sec.line, sec.title, "a fold without a question")
            return
        fold = bool(sec.children) and not sec.is_title and self._fold_children(sec)
        if fold or (any(n.type == "heading" for n in body) and not sec.is_title):
            self.read_parts(sec, body + (self._subtree_nodes(sec) if fold else []))
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
            and not (sec.parent and sec.parent.is_title)
            and not heading_asks
        ):
            # `#### Title` over a single bulleted question: the titled shape.
            item = body[0].items[0]
            if (
                item.first is not None
                and not item.rest
                and question_like(_plain(flatten(item.first.inline).text))
            ):
                self.titled(sec, [item.first], [], sec.line)
                return
        card_lists = []
        for n in lists:
            if self._toc(n):
                self.skip(n.start + 1, sec.title or "list", "table of contents")
            elif sec.role in ("concept", "questions") or self._asking_list(n):
                card_lists.append(n)
        if card_lists:
            left: list[Node] = []
            last: Draft | None = None  # the card of the list item just above
            labels = {
                id(body[k + 1]): _label_text(self.prose(n))
                for k, n in enumerate(body[:-1])
                if body[k + 1] in card_lists and self._label_before(n, body[k + 1])
            }
            for k, n in enumerate(body):
                if k + 1 < len(body) and id(body[k + 1]) in labels and n.type == "para":
                    continue  # the label of the list below: its topic
                if n in card_lists:
                    before = len(self.drafts)
                    self.read_list(
                        sec, n, forced=sec.role in ("ask", "concept", "questions"),
                        group=labels.get(id(n), ""),
                    )  # fmt: skip
                    last = self.drafts[-1] if len(self.drafts) > before else None
                elif n.type in ("fence", "code") and last is not None:
                    # `* What does this print?` then a fence at the margin: the
                    # question's code, not text beside the list.
                    last.q = f"{last.q}\n\n{self.source(n)}"
                elif n.type != "list":
                    left.append(n)
                    last = None
            self._skip_beside_lists(body, left)
            return
        if not leaf or not body:
            left = [n for n in body if n.type != "list" or not self._toc(n)]
            if left:
                self.pending_intros.append((sec, left))
            return
        if not lead and all(n.type == "list" and self._toc(n) for n in body):
            return
        if (
            sec.role in ("questions", "ask")
            and lead
            and not heading_asks
            and (sec.level > 1 or question_like(lead_text))
        ):
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
            shape="heading + question paragraph",
        )

    def note(self, sec: _Section, body: list[Node]) -> None:
        """A heading with prose, lists or code: the heading is the front."""
        if not sec.title:
            return
        asks = sec.role in ("questions", "ask", "concept") or _heading_asks(sec.title)
        kind = self.kind(sec) if asks else "concept"
        self.notes.append(len(self.drafts))
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
            shape="heading with text",
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
            if _A_PREFIX.match(text) and self.drafts and self.origin[-1] is sec:
                # `- Q. …` then `- A. …`: the answer to the item above.
                last = self.drafts[-1]
                extra = "\n\n".join(
                    x for x in (_A_PREFIX.sub("", text, count=1), self.answer(item.rest)) if x
                )
                last.a = f"{last.a}\n\n{extra}" if last.a else extra
                last.end = item.end
                self._spans.clear()
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
            shape="list item",
        )

    def add(self, draft: Draft, sec: _Section, prose: bool = False, shape: str = "") -> None:
        if draft.kind == "technical" and _BEHAVIORAL_Q.search(draft.q):
            draft.kind = "behavioral"
        draft.shape = shape
        draft.level = sec.level
        draft.topic_from = self._topic_source(draft.topic, sec)
        after = [(a, b) for a, b in self._spans if a >= draft.line]
        draft.end = max((b for _, b in after), default=0) if draft.a.strip() else 0
        self._spans.clear()
        if prose:
            self.from_prose.append(len(self.drafts))
        self.drafts.append(draft)
        self.levels.append(sec.level)
        self.origin.append(sec)

    def _topic_source(self, topic: str, sec: _Section | None) -> str:
        while sec is not None:
            if sec.title and not sec.is_title and _topic_of(sec.title) == topic:
                return f"h{sec.level}"
            sec = sec.parent
        return "title" if topic == (self.title or self.fallback) else "label"

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
        texts = [x for x in texts if x and not _A_PREFIX.match(x)]
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
        answers?"), not cards. More than that is a section of its own: kept. So are
        headings with text before a table of contents, above three cards or more."""
        if not self.from_prose:
            return
        if self.toc_line and sum(d.line > self.toc_line for d in self.drafts) >= 3:
            early = {i for i in self.from_prose if self.drafts[i].line < self.toc_line}
            for i in sorted(early):
                d = self.drafts[i]
                self.skip(d.line, d.name or d.q, "introduction (before the table of contents)")
            self._keep([i not in early for i in range(len(self.drafts))])
            if not self.from_prose:
                return
        if (
            self.notes
            and self.notes[0] == 0
            and len(self.drafts) >= 4
            and "\n" not in self.drafts[0].a.strip()
            and not _heading_asks(self.drafts[0].q)
            and not any(self.levels[i] == self.levels[0] for i in self.notes[1:])
        ):
            # `# Title` then one line saying what the file is, above a file of questions.
            d = self.drafts[0]
            self.skip(d.line, d.q, "introduction (the file's description)")
            self._keep([i != 0 for i in range(len(self.drafts))])
            if not self.drafts:
                return
        notes = set(self.notes)
        others = [i for i in range(len(self.drafts)) if i not in notes]
        early = {i for i in notes if others and i < others[0]}
        if len(others) >= 3 and len(others) >= 0.5 * len(self.drafts) and len(early) <= len(others):
            for i in sorted(early):
                d = self.drafts[i]
                self.skip(d.line, d.q, "introduction (before the first question)")
            self._keep([i not in early for i in range(len(self.drafts))])
        prose = set(self.from_prose)
        rest = [i for i in range(len(self.drafts)) if i not in prose]
        if len(rest) >= 10 and len(rest) >= 0.8 * len(self.drafts):
            # A file of folds or lists: headings with text before the first of them
            # introduce it, even where their text ends like a prompt (해봅시다).
            early = {i for i in prose if i < rest[0]}
            for i in sorted(early):
                d = self.drafts[i]
                self.skip(d.line, d.name or d.q, "introduction (before the first question)")
            self._keep([i not in early for i in range(len(self.drafts))])
        if not self.drafts:
            return
        counts = Counter(self.levels)
        level, count = counts.most_common(1)[0]
        if count < 3:
            return
        first = self.levels.index(level)
        drop = {
            i
            for i in self.from_prose
            if i < first and self.levels[i] < level and counts[self.levels[i]] <= 2
        }
        for i in sorted(drop):
            d = self.drafts[i]
            self.skip(d.line, d.name or d.q, "introduction (above the level of the questions)")
        self._keep([i not in drop for i in range(len(self.drafts))])

    def _keep(self, keep: list[bool]) -> None:
        old = self.from_prose
        index: dict[int, int] = {}
        for i, k in enumerate(keep):
            if k:
                index[i] = len(index)
        self.notes = [index[i] for i in self.notes if i in index]
        self.drafts = [d for d, k in zip(self.drafts, keep, strict=True) if k]
        self.levels = [v for v, k in zip(self.levels, keep, strict=True) if k]
        self.origin = [o for o, k in zip(self.origin, keep, strict=True) if k]
        self.from_prose = [index[i] for i in old if i in index]

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

    def answer(self, nodes: list[Node], in_details: bool = False) -> str:
        """Answer text: the Markdown source of the blocks, noise left out. A fold's
        HTML (`<p>`, `<ul>`, `<table>`) becomes Markdown; a fold labelled "Answer"
        gives its body, any other fold its summary in bold and then its body."""
        from .htmlmd import html_to_markdown

        parts: list[str] = []
        self._spans += [(n.start + 1, n.end) for n in nodes]
        for n in nodes:
            if n.type == "details":
                summary = self._summary(n)
                body = self.details_body(n)
                if summary and not _ANSWER_LABEL.match(summary):
                    body = f"**{summary}**\n\n{body}" if body else f"**{summary}**"
                parts.append(body)
            elif n.type == "html" and in_details:
                parts.append(html_to_markdown(self.source(n))[0])
            elif n.type == "heading":
                title = _clean_title(flatten(n.inline).text)
                if not _ANSWER_LABEL.match(title) and title:
                    parts.append(f"**{title}**")
            elif not self._noise(n):
                parts.append(self.source(n))
        return "\n\n".join(p for p in parts if p.strip())


_LINK_LINE = re.compile(r"^\s*(?:[-*+]|\d+[.)])?\s*\[[^\]]*\]\([^)]*\)\s*$")


def _label_text(text: str) -> str:
    """A label line as a topic: "(공통)" is 공통, "🌐 Network:" is Network."""
    inner = text.strip().rstrip(":：").strip()
    if len(inner) > 2 and inner[0] in "([（【" and inner[-1] in ")]）】":
        inner = inner[1:-1].strip()
    return _topic_of(inner) or text


def _only_links(text: str) -> bool:
    lines = [line for line in text.split("\n") if line.strip()]
    return bool(lines) and all(_LINK_LINE.match(line) for line in lines)


def _within(sec: _Section, ancestor: _Section) -> bool:
    while sec is not None:
        if sec is ancestor:
            return True
        sec = sec.parent  # type: ignore[assignment]
    return False


def _tidy(d: Draft) -> None:
    """Labels off: "Q1. What…" asks "What…"; "A: …", "**Answer:** …" open no answer."""
    q = d.q
    if not d.a and (m := _A_SPLIT.search(q) or (_Q_PREFIX.match(q) and _A_INLINE.search(q))):
        q, d.a = q[: m.start()].rstrip(), q[m.end() :].strip()
    stripped = _Q_PREFIX.sub("", q, count=1)
    if stripped.strip() and stripped != q:
        q = stripped
    if (m := re.match(r"#\d{1,4}[.:)]?\s+(?=\S)", q)) and question_like(q[m.end() :]):
        q = q[m.end() :]  # "#1 요즘 트렌드는?": a number, as in a fold's `<code>#1</code>`
    numbered = _NUMBERING.sub("", q, count=1)
    if numbered != q and numbered.strip() and question_like(numbered):
        q = numbered
    d.q = q.strip()
    a = d.a.lstrip()
    if a.startswith(("- ", "* ")) and "\n" not in a.strip():
        inner = a[2:]
        if _A_PREFIX.match(inner):
            a = inner
    d.a = _A_PREFIX.sub("", a, count=1) if _A_PREFIX.match(a) else d.a
    if d.a.strip() in ("-", "*", "+", "1."):
        d.a = ""  # an empty bullet: no answer yet


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


def parse_markdown(text: str, path: str, overrides: Overrides | None = None) -> Imported:
    reader = _Reader(text, path, overrides)
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
