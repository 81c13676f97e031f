"""Read a prep document into the makings of a new workspace.

A prep document is what job-prep guides and assistants produce: a job
overview, why the job fits, résumé highlights, a company summary (values,
news), predicted questions by topic, questions to ask, concepts to review,
strategic advice, red flags and a closing line, in Markdown or plain text,
with English or Korean headings, in any order. `read` turns it into:

- the profile (`prep.yaml` data): candidate, role, company, why_fit,
  highlights, gaps, advice, closing, follow_up;
- decks: the predicted questions verbatim under their topics, the questions to
  ask (kind `ask`) and one concept card per named thing (kind `concept`), every
  answer left empty for the user to write;
- STAR story drafts: one per company value and one per behavioral question,
  each pre-filled with the résumé highlight it could draw on;
- what could not be placed, with its line; unknown sections are kept in the
  profile under `notes`, never an error.

Nothing is invented: text comes from the document or is an empty field marked
to fill in. No typer, no rich: the command line shows the result.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from .errors import PrepError

MAX_BYTES = 2 * 1024 * 1024

# ---------------------------------------------------------------- result


@dataclass
class Unplaced:
    line: int
    text: str
    reason: str


@dataclass
class CardPlan:
    id: str
    kind: str
    topic: str
    q: str
    line: int
    a: str = ""
    keywords: list[str] = field(default_factory=list)
    story: str | None = None


@dataclass
class DeckPlan:
    id: str
    title: str
    cards: list[CardPlan]
    kind: str  # the kind most of its cards have, for the deck's defaults


@dataclass
class StoryPlan:
    id: str
    title: str
    values: list[str]
    cards: list[str]
    topic: str | None
    highlight: str  # the résumé highlight it could draw on ("" when there are none)
    highlight_area: str
    aim: str  # what the story should show (the value's "how I show it", or the question)


@dataclass
class PrepDoc:
    path: str
    language: str
    title: str
    profile: dict[str, Any]
    decks: list[DeckPlan]
    stories: list[StoryPlan]
    unplaced: list[Unplaced]
    missing: list[str]  # profile fields the document does not give, to fill in
    sections: list[tuple[str, str, int]]  # (what, heading as written, line)

    @property
    def cards(self) -> list[CardPlan]:
        return [c for d in self.decks for c in d.cards]


# ---------------------------------------------------------------- outline


@dataclass
class Node:
    text: str
    line: int
    kind: str  # heading | item | para
    level: int = 0  # heading level
    indent: int = 0  # column of the list marker (items) or of the text (paragraphs)
    children: list[Node] = field(default_factory=list)
    end: int = 0  # last line of the node's own text
    pseudo: bool = False  # a label line made a heading (`**Python**` over its questions)

    def last(self) -> int:
        return max([self.end or self.line, *(c.last() for c in self.children)])


_ATX = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?[ \t]*$")
_ATX_CLOSE = re.compile(r"(?:^|[ \t]+)#+$")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_FENCE = re.compile(r"^[ \t]*(`{3,}|~{3,})")
_HR = re.compile(r"^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")
_BULLET = re.compile(
    r"^([ \t]*)(?:[-*+•·◦▪▫●○□▶►➢✓✔✅☐–]|\d{1,3}[.)]|\(\d{1,3}\)|[①-⑳]|[a-zA-Z][.)]|[IVX]{1,4}\.)"
    r"[ \t]+(\S.*)$"
)
_QUOTE = re.compile(r"^[ \t]*>[ \t]?")
# Headings a plain-text document uses: [예상 질문], 【...】, ■ ..., === X ===, ALL CAPS.
_BRACKETED = re.compile(
    r"^\s*(?:\[(.+)\]|【(.+)】|<(.+)>|《(.+)》|[■□▣◆◇★☆▶►●※#]+\s*(.+)|[=\-~*]{2,}\s*(.+?)\s*[=\-~*]{2,})\s*$"
)


def _expand(line: str) -> str:
    stripped = line.lstrip(" \t")
    lead = line[: len(line) - len(stripped)].expandtabs(4)
    return lead + stripped


def _unbold(text: str) -> str:
    text = re.sub(r"\*\*(.+?)\*\*|__(.+?)__", lambda m: m.group(1) or m.group(2), text)
    text = re.sub(r"<br\s*/?>", " ", text, flags=re.I)
    return " ".join(text.split())


def _clean_title(text: str) -> str:
    text = _unbold(text)
    text = re.sub(r"^(?:#+\s*)", "", text)
    m = _BRACKETED.match(text)
    if m:
        text = next(g for g in m.groups() if g)
    text = re.sub(r"^\s*(?:part|step|section)\s+\d+\s*[:.)-]\s*", "", text, flags=re.I)
    text = re.sub(r"^\s*(?:\d{1,2}(?:\.\d{1,2})*|[IVX]{1,4}|[A-Za-z])[.)]\s+", "", text)
    text = re.sub(r"^\s*\d{1,2}\s+(?=\D)", "", text)
    text = text.strip(" \t*_:：-–—·•|")
    # Emoji and symbols that decorate headings ("🎯 Predicted Questions").
    while text and unicodedata.category(text[0])[0] in "SZ":
        text = text[1:].lstrip()
    while text and unicodedata.category(text[-1])[0] in "SZ" and text[-1] not in "™®":
        text = text[:-1].rstrip()
    return text.strip()


def outline(text: str) -> tuple[Node, list[str]]:
    """The document as a tree: headings hold their blocks, list items their nested items.

    Markdown headings (`#`, setext) are used when the document has any; a plain
    text document's headings are its bracketed, ALL CAPS or `Title:` lines and
    any short line that names a known section.
    """
    lines = [_expand(line.rstrip()) for line in text.split("\n")]
    if lines and lines[0] == "---":
        # YAML front matter (title:, description:) is metadata, not the document: blanked,
        # so every line keeps its number.
        end = next((i for i in range(1, min(len(lines), 200)) if lines[i] in ("---", "...")), 0)
        for i in range(end + 1 if end else 0):
            lines[i] = ""
    in_fence = False
    markdown = False
    for i, line in enumerate(lines):
        if _FENCE.match(line):
            in_fence = not in_fence
        elif not in_fence and (
            (_ATX.match(line) and _ATX.match(line).group(2))  # type: ignore[union-attr]
            or (
                i > 0
                and _SETEXT.match(line)
                and lines[i - 1].strip()
                and not _BULLET.match(lines[i - 1])
                and not _HR.match(lines[i - 1])
            )
        ):
            markdown = True
            break
    root = Node("", 0, "heading", level=0)
    headings: list[Node] = [root]
    items: list[Node] = []  # open list items, outermost first
    blank = True
    last_para: tuple[Node, Node] | None = None  # (parent, node) of the last paragraph line
    fence: Node | None = None
    fence_mark = ""

    def section() -> Node:
        return headings[-1]

    def add_heading(title: str, level: int, line: int) -> None:
        nonlocal items, last_para
        items = []
        last_para = None
        while len(headings) > 1 and headings[-1].level >= level:
            headings.pop()
        node = Node(title, line, "heading", level=level, end=line)
        headings[-1].children.append(node)
        headings.append(node)

    known_levels: list[int] = []
    for n, line in enumerate(lines, start=1):
        if fence is not None:
            fence.text += "\n" + line
            fence.end = n
            if line.strip().startswith(fence_mark):
                fence = None
            continue
        if not line.strip():
            blank = True
            continue
        fm = _FENCE.match(line)
        if fm:
            indent = len(line) - len(line.lstrip())
            parent = items[-1] if items and indent > items[-1].indent else section()
            if parent is section():
                items = []
            fence = Node(line.strip(), n, "para", indent=indent, end=n)
            fence_mark = fm.group(1)[:3]
            parent.children.append(fence)
            blank = False
            continue
        if markdown:
            m = _ATX.match(line)
            if m and m.group(2):
                written = _ATX_CLOSE.sub("", m.group(2)).strip()
                add_heading(_unbold(written), len(m.group(1)), n)
                if classify(_clean_title(written)):
                    known_levels.append(len(m.group(1)))
                blank = True
                continue
            sm = _SETEXT.match(line)
            if sm and not blank and last_para is not None and last_para[1].line == n - 1:
                parent, para = last_para
                parent.children.remove(para)
                add_heading(_unbold(para.text), 1 if sm.group(1)[0] == "=" else 2, para.line)
                blank = True
                continue
        if _HR.match(line):
            items = []
            last_para = None
            blank = True
            continue
        if re.fullmatch(r"\s*\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*\|?\s*", line):
            continue  # a table's |---|---| row
        line = _QUOTE.sub("", line) if _QUOTE.match(line) else line
        bm = _BULLET.match(line)
        indent = len(line) - len(line.lstrip())
        if bm is None and (not items or indent == 0 and (blank or not markdown)):
            found = _heading_line(line, markdown, lines, n)
            if found is not None:
                title, style = found
                base = next(h for h in reversed(headings) if not h.pseudo)
                if style == "sub" or (style == "label" and classify(_clean_title(base.text))):
                    # A label over a list inside a section (`**Python**`, `Python:`): a group.
                    add_heading(title, base.level + 1, n)
                    headings[-1].pseudo = True
                else:
                    level = max(set(known_levels), key=known_levels.count) if known_levels else 2
                    add_heading(title, level if markdown else 2, n)
                blank = True
                continue
        if bm is not None:
            indent = len(bm.group(1))
            while items and indent <= items[-1].indent:
                items.pop()
            parent = items[-1] if items else section()
            text = bm.group(2).strip()
            if (
                not items
                and indent == 0
                and section().level <= 1
                and not classify(_clean_title(section().text))
                and classify(_clean_title(text))
                and _short_title(text)
            ):
                # An outline written as a list: `1. Job Overview` with its points nested.
                add_heading(_unbold(text), 2 if markdown else 2, n)
                items = []
                blank = False
                continue
            node = Node(text, n, "item", indent=indent, end=n)
            parent.children.append(node)
            items.append(node)
            last_para = None
            blank = False
            continue
        text = line.strip()
        if items and not blank and (indent > items[-1].indent or last_para is None and markdown):
            # A wrapped line of the item above.
            items[-1].text += " " + text
            items[-1].end = n
            continue
        while items and indent <= items[-1].indent:
            items.pop()
        parent = items[-1] if items else section()
        node = Node(text, n, "para", indent=indent, end=n)
        parent.children.append(node)
        last_para = (parent, node)
        blank = False
    return root, lines


def _short_title(text: str) -> bool:
    plain = _clean_title(text)
    return 0 < len(plain) <= 60 and not re.search(r"[?？]|[.!]\s*$", plain)


def _heading_line(line: str, markdown: bool, lines: list[str], n: int) -> tuple[str, str] | None:
    """A line outside any list that stands as a heading: (title, style), or None.

    style: "section" (a heading of its own), "sub" (a bold label over a list: a group
    of the section it is in), "label" (`Title:` over a list in plain text: a group
    inside a known section, else a section).
    """
    raw = line.strip()
    if line[:1].isspace():
        return None
    bold_only = re.fullmatch(r"(\*\*|__)(.+?)\1\s*[:：]?", raw)
    title = _clean_title(raw)
    if not title or not _short_title(raw):
        return None
    following = next((x for x in lines[n:] if x.strip()), "")
    opens_list = bool(following[:1].isspace() or _BULLET.match(following))
    if bold_only:
        name = _unbold(bold_only.group(2)).rstrip(":：").strip()
        if classify(title):
            return name, "section"
        return (name, "sub") if opens_list else None
    if markdown:
        return None
    letters = [ch for ch in title if ch.isalpha()]
    caps = len(letters) >= 3 and all(ch.isupper() for ch in letters if ch.isascii())
    caps = caps and any(ch.isascii() for ch in letters)
    if _BRACKETED.match(raw) or caps:
        return title, "section"
    if raw.endswith((":", "：")) and opens_list:
        return title, "label"
    if classify(title):
        return title, "section"
    return None


# ---------------------------------------------------------------- what a heading names

_SECTIONS: list[tuple[str, str]] = [
    (
        "ask",
        r"questions? (?:to|you should|for you to|i should) ask|to ask (?:them|the|your|an?)\b|"
        r"ask (?:them|the interviewer|your interviewer|the company)|reverse interview|"
        r"questions? for (?:them|the interviewer|the (?:company|team|hiring manager))|"
        r"역질문|면접관에게|물어볼|회사에 (?:할|묻)|질문할 것|되물",
    ),
    (
        "questions",
        r"question|q ?& ?a\b|\bqna\b|\bfaq\b|질문|문답|기출",
    ),
    (
        "fit",
        r"\bwhy (?:this|the|you|i|it)\b.*(?:fit|match|role|job|company|position)|\b(?:good |great )?fit\b|"
        r"\bmatch\b|지원 ?동기|적합|왜 이|매칭|맞는 이유",
    ),
    (
        "concepts",
        r"concept|topics? to (?:know|review|study|brush up)|to (?:know|review|study|brush up)|"
        r"technical (?:topics|areas|review)|study (?:list|topics|guide|plan)|brush up|glossary|"
        r"개념|복습|공부할|학습 ?(?:할|항목|주제)|알아(?:야|둘)|키워드",
    ),
    (
        "highlights",
        r"r[ée]sum[ée]|\bcv\b|highlight|achievement|accomplishment|selling points|strengths|"
        r"relevant experience|your experience|experience to|이력|경력 ?(?:사항|하이라이트|요약)|"
        r"하이라이트|강점|어필 ?포인트|주요 ?성과",
    ),
    (
        "red_flags",
        r"red ?flags?|pitfalls?|watch ?outs?|things to avoid|what to avoid|\bavoid\b|"
        r"weakness|\bgaps?\b|concerns?|risks?\b|레드 ?플래그|주의|피해야|약점|보완|리스크",
    ),
    (
        "closing",
        r"closing|final (?:impression|statement|words|pitch|note)|wrap[- ]?up|last impression|"
        r"마무리|클로징|끝인사|마지막 ?(?:인상|한마디|멘트)",
    ),
    (
        "follow_up",
        r"follow[- ]?up|thank[- ]?you|after the interview|감사 ?(?:메일|편지|인사)|후속|사후|면접 후",
    ),
    ("values", r"\bvalues\b|principles|culture|핵심 ?가치|가치|인재상|조직 ?문화|문화"),
    ("news", r"\bnews\b|recent (?:developments|events|updates)|최근 ?(?:이슈|뉴스|소식|동향)"),
    (
        "overview",
        r"job|role|position|opening|posting|vacancy|직무|포지션|채용|모집|공고|직책",
    ),
    ("candidate", r"about me|candidate|my profile|\bprofile\b|지원자|내 ?정보|자기 ?소개"),
    (
        "company",
        r"company|employer|organi[sz]ation|^about\b|firm|startup|회사|기업|조직",
    ),
    (
        "advice",
        r"advice|strateg|\btips?\b|approach|game ?plan|how to (?:win|ace|prepare)|"
        r"조언|전략|팁|준비 ?(?:방법|전략|팁)|공략",
    ),
]
_SECTION_RX = [(key, re.compile(words, re.I)) for key, words in _SECTIONS]


def classify(title: str) -> str | None:
    """What a heading names: one of the keys above, or None for a section we do not know."""
    if not title or len(title) > 80:
        return None
    for key, rx in _SECTION_RX:
        if rx.search(title):
            return key
    return None


# ---------------------------------------------------------------- labels


_LABEL = re.compile(r"^([^:：?？\"“”'‘’「」]{1,48}?)\s*[:：]\s*(.*)$")


def split_label(text: str) -> tuple[str | None, str]:
    """`**Label:** value`, `**Label**: value` or `Label: value` -> (label, value)."""
    raw = text.strip()
    row = re.fullmatch(r"\|\s*([^|]+?)\s*\|\s*([^|]*?)\s*\|?", raw)
    if row:  # a two-column table row: | Title | Backend Engineer |
        return _unbold(row.group(1)).rstrip(":：").strip(), _unbold(row.group(2))
    m = re.match(r"^(\*\*|__)(.+?)\1\s*(.*)$", raw)
    if m:
        label = _unbold(m.group(2)).strip().rstrip(":：").strip()
        value = m.group(3).strip()
        if value[:1] in ":：" or value == "" or m.group(2).rstrip().endswith((":", "：")):
            return label, _unbold(value.lstrip(":：").strip(" -–—"))
        if value[:1] in "-–—":
            return label, _unbold(value[1:].strip())
        return None, _unbold(raw)
    plain = _unbold(raw)
    m2 = _LABEL.match(plain)
    if m2 and not m2.group(2).startswith("//") and not _asks(m2.group(1)):
        return m2.group(1).strip(), m2.group(2).strip()
    return None, plain


_QMARK = re.compile(r"[?？]")
_ASK_START = re.compile(
    r"^(?:what|why|how|when|where|which|who|is|are|was|were|do|does|did|can|could|would|will|"
    r"should|have|has|tell|describe|explain|give|walk|talk|share|name|list|design|compare|"
    r"define|discuss|imagine|suppose|if|in your)\b",
    re.I,
)
_ASK_END_KO = re.compile(
    r"(?:나요|까요|니까|세요|가요|은가|는가|인가|을까|할까|주세요|하시오|십시오|보세요|입니까|습니까|죠)\s*[.!]?\s*$"
)


def _asks(text: str) -> bool:
    text = _strip_quotes(text.strip())
    return bool(_QMARK.search(text) or _ASK_START.match(text) or _ASK_END_KO.search(text))


_QUOTES = {"“": "”", '"': '"', "‘": "’", "'": "'", "「": "」", "『": "』", "«": "»", "„": "“"}


def _strip_quotes(text: str) -> str:
    text = text.strip()
    if len(text) >= 2 and text[0] in _QUOTES and text.endswith(_QUOTES[text[0]]):
        inner = text[1:-1]
        if text[0] not in inner and _QUOTES[text[0]] not in inner:
            return inner.strip()
    return text


def _split_list(value: str) -> list[str]:
    """`a, b (c, d), e` -> [a, b (c, d), e]: commas outside brackets and quotes."""
    out: list[str] = []
    depth = 0
    cur = ""
    for ch in value:
        if ch in "([{（【「“":
            depth += 1
        elif ch in ")]}）】」”" and depth:
            depth -= 1
        if ch in ",，、;；" and depth == 0:
            out.append(cur.strip())
            cur = ""
        else:
            cur += ch
    out.append(cur.strip())
    return [x for x in out if x]


def _field(label: str, table: list[tuple[str, re.Pattern[str]]]) -> str | None:
    for key, rx in table:
        if rx.search(label):
            return key
    return None


def _table(rows: list[tuple[str, str]]) -> list[tuple[str, re.Pattern[str]]]:
    return [(k, re.compile(w, re.I)) for k, w in rows]


_OVERVIEW = _table(
    [
        ("company", r"^(?:company|employer|organi[sz]ation|회사|기업)(?: ?name|명)?$"),
        (
            "responsibilities",
            r"responsibilit|duties|what you.?ll do|day[- ]to[- ]day|주요 ?업무|담당 ?업무|업무",
        ),
        (
            "requirements",
            r"requirement|qualification|must[- ]have|required|skills|자격|필수|요구|요건",
        ),
        ("preferred", r"preferred|nice[- ]to[- ]have|bonus|plus|우대"),
        ("title", r"title|position|^role$|^job$|직무|포지션|직책|직함|채용 ?직군"),
        ("location", r"location|office|based|where|근무 ?(?:지|장소|위치)|위치|지역"),
        ("remote", r"remote|hybrid|work (?:mode|arrangement|setup)|원격|재택|하이브리드"),
        ("employment_type", r"type|employment|contract|고용|근무 ?형태|계약|형태"),
        (
            "compensation",
            r"compensation|salary|pay|comp\b|package|benefit|연봉|급여|보상|처우|복지",
        ),
        ("team", r"team|department|reports? to|팀|부서"),
        ("level", r"level|seniority|experience|years|경력|연차|직급"),
        ("summary", r"summary|about|overview|description|mission of the role|요약|개요|소개"),
    ]
)
_COMPANY = _table(
    [
        ("name", r"^(?:company |legal )?name$|^company$|회사 ?명|기업 ?명|상호|^회사$|^기업$"),
        ("industry", r"industry|sector|domain|field|market|산업|업종|분야|업계|시장"),
        ("products", r"product|service|offering|solution|platform|제품|서비스|솔루션"),
        ("mission", r"mission|vision|tagline|slogan|purpose|미션|비전|슬로건|목표"),
        ("values", r"values|principles|culture|가치|인재상|문화"),
        ("recent_news", r"news|recent|update|development|announcement|최근|이슈|뉴스|동향|소식"),
        ("size", r"size|employees|headcount|직원|규모|인원"),
        ("founded", r"founded|established|since|설립|창립"),
        ("headquarters", r"headquarter|\bhq\b|location|office|본사|위치"),
        ("website", r"website|\burl\b|site|homepage|홈페이지|웹사이트"),
        ("funding", r"funding|investors?|revenue|valuation|투자|매출"),
        ("summary", r"summary|about|overview|description|what they do|요약|개요|소개"),
    ]
)
_CANDIDATE = _table(
    [
        ("name", r"^(?:full )?name$|이름|성명|^candidate$|지원자"),
        ("summary", r"summary|headline|profile|about|pitch|소개|요약"),
        ("email", r"e-?mail|이메일"),
        ("phone", r"phone|mobile|전화|연락처"),
        ("links", r"linkedin|github|portfolio|website|링크|포트폴리오"),
        ("experience", r"experience|years|경력|연차"),
    ]
)
_ADVICE = _table(
    [
        ("values", r"value|alignment|align|culture|가치|정렬|인재상"),
        (
            "red_flags",
            r"red ?flag|avoid|pitfall|don.?t|watch|warning|caution|주의|피할|피해야|금지|레드",
        ),
        ("closing", r"closing|final|wrap|last impression|end strong|마무리|클로징|끝인사|마지막"),
        ("follow_up", r"follow[- ]?up|thank|after the interview|후속|감사|사후|면접 후"),
        ("star", r"\bstar\b|behavio|storytell|stories|story|스토리|사례|경험 ?답변"),
        (
            "tone",
            r"tone|focus|attitude|delivery|presence|mindset|confidence|communicat|톤|태도|자세|화법|어조|집중",
        ),
    ]
)
_BEHAVIORAL = re.compile(
    r"behaviou?r|culture|cultural|soft[- ]skill|personality|situational|leadership|teamwork|"
    r"\bfit\b|\bhr\b|인성|행동|문화|컬처|태도|가치관|협업|갈등",
    re.I,
)
_BEHAVIORAL_Q = re.compile(
    r"tell me about a time|describe a (?:time|situation)|give (?:me )?an example of a time|"
    r"have you ever|a time when|conflict|disagree|갈등|충돌|실패(?:한|했던) 경험",
    re.I,
)
_REMOTE = re.compile(r"remote|hybrid|wfh|work from home|원격|재택|하이브리드", re.I)
_NOT_REMOTE = re.compile(
    r"on[- ]?site|in[- ]office|no remote|원격 ?(?:근무 )?불가|상주|전일 출근", re.I
)
_HOURS = re.compile(r"(\d{1,3})\s*(?:시간|hours?|hrs?\b|h\b)", re.I)
_DAYS = re.compile(r"(\d{1,2})\s*(?:일|days?)\b|\b(?:within a|one) day\b|하루|당일|same day", re.I)
_EMAIL_WORDS = re.compile(r"thank|감사|follow|메일|mail|note|letter|편지|연락", re.I)
_EG = re.compile(
    r"[(（]\s*(?:예|e\.?g\.?|ex\.?|such as|like|예를 들어|예시)\s*[:：,.]?\s*(.+?)[)）]", re.I
)
_GAP_WORDS = re.compile(
    r"gap|lack|limited|less experience|little experience|weak|new to|not (?:yet )?(?:deep|strong)|"
    r"미흡|부족|약한|약점|경험이 (?:적|없|얕)|얕은|서툰",
    re.I,
)


# ---------------------------------------------------------------- the reader


_HANGUL = re.compile(r"[\uac00-\ud7a3]")
_LETTER = re.compile(r"[^\W\d_]")


def language_of(text: str) -> str:
    letters = len(_LETTER.findall(text))
    return "ko" if letters and len(_HANGUL.findall(text)) >= 0.3 * letters else "en"


class _Reader:
    def __init__(self, text: str, path: str, language: str | None):
        self.path = path
        self.root, self.lines = outline(text)
        body = "\n".join(n.text for n in _walk(self.root) if n.kind != "heading" or n.level > 1)
        self.language = language or language_of(body)
        self.title = ""
        self.unplaced: list[Unplaced] = []
        self.notes: list[dict[str, Any]] = []
        self.sections: list[tuple[str, str, int]] = []
        self.candidate: dict[str, Any] = {}
        self.role: dict[str, Any] = {}
        self.company: dict[str, Any] = {}
        self.values: list[dict[str, Any]] = []
        self.alignment: list[tuple[str, str, int]] = []  # (label, how I show it, line)
        self.why_fit: list[dict[str, Any]] = []
        self.highlights: list[dict[str, Any]] = []
        self.gaps: list[dict[str, Any]] = []
        self.advice: dict[str, list[str]] = {}
        self.closing = ""
        self.follow_up: dict[str, Any] = {}
        self.email = ""
        self.questions: list[CardPlan] = []
        self.asks: list[CardPlan] = []
        self.concepts: list[CardPlan] = []
        self.ask_title = ""
        self.questions_title = ""
        self.concepts_title = ""
        self.title_line = 0

    # -- bookkeeping --------------------------------------------------------
    def keep(self, node: Node, section: str, reason: str) -> None:
        """Not placed: listed with its line and kept under `notes`."""
        text = self.source(node)
        if not text.strip():
            return
        self.unplaced.append(Unplaced(node.line, _one_line(_unbold(node.text) or text, 80), reason))
        self.notes.append({"section": section, "line": node.line, "text": text})

    def source(self, node: Node) -> str:
        if node.kind == "heading":
            start, end = node.line, node.last()
            if node.line == 0:
                start = 1
            else:
                start += 1
            chunk = self.lines[start - 1 : end]
        else:
            chunk = self.lines[node.line - 1 : node.last()]
        import textwrap

        return textwrap.dedent("\n".join(chunk)).strip("\n")

    # -- sections -----------------------------------------------------------
    def read(self) -> None:
        tops = self.root.children
        # The document's title: the one top heading that holds the rest, or a first line.
        h1 = [n for n in tops if n.kind == "heading"]
        title_node = None
        if (
            len(h1) == 1
            and h1[0].level == 1
            and (
                not classify(_clean_title(h1[0].text))
                or any(c.kind == "heading" and _known_below(c) for c in h1[0].children)
            )
        ):
            title_node = h1[0]
        elif h1 and not classify(_clean_title(h1[0].text)) and not h1[0].children:
            title_node = h1[0]
        if title_node is not None:
            self.title = _clean_title(title_node.text)
            self.title_line = title_node.line
        for node in tops:
            if node is title_node:
                self.container(node, is_title=True)
            else:
                self.dispatch(node, "")
        self.finish()

    def container(self, node: Node, is_title: bool = False) -> None:
        for child in node.children:
            self.dispatch(child, node.text if not is_title else "")

    def dispatch(self, node: Node, parent_title: str) -> None:
        if node.kind != "heading":
            if (
                parent_title == ""
                and not self.title_line
                and not self.title
                and node.kind == "para"
            ):
                self.title = _clean_title(node.text)
                self.title_line = node.line
                return
            self.loose(node)
            return
        title = _clean_title(node.text)
        key = classify(title)
        if key is None:
            if any(c.kind == "heading" and _known_below(c) for c in node.children):
                # A heading that groups known sections ("Part 1: The role").
                self.container(node)
                return
            if not node.children:
                if not self.title and not self.title_line:
                    self.title, self.title_line = title, node.line
                    return
            self.keep(node, title, "unknown section, kept under notes")
            return
        self.sections.append((key, node.text, node.line))
        node.children = [
            c for c in node.children if c.kind != "para" or c.children or not self._signoff(c)
        ]
        getattr(self, f"s_{key}")(node, title)

    def loose(self, node: Node) -> None:
        """A block outside any known section: a sign-off, a name, or a note."""
        if not self._signoff(node):
            self.keep(node, "", "outside any section, kept under notes")

    def _signoff(self, node: Node) -> bool:
        """ "Good luck, Dongju!": the candidate's name, taken; the wish needs no home."""
        name = _name_in(_unbold(node.text))
        if name and not self.candidate.get("name"):
            self.candidate["name"] = name
        return bool(name)

    # -- profile sections ---------------------------------------------------
    def fields(self, node: Node, table: list[tuple[str, re.Pattern[str]]], section: str):
        """(key, value, children, node) for each labelled line; others are kept."""
        for child in node.children:
            if child.kind == "heading":
                label: str | None = _clean_title(child.text)
                value = ""
            else:
                label, value = split_label(child.text)
                if label is None and child.children:
                    label, value = _clean_title(child.text), ""  # `Responsibilities` over a list
            key = _field(label, table) if label else None
            if key is None:
                yield None, value if label is None else f"{label}: {value}", child.children, child
                continue
            yield key, value, child.children, child

    def s_overview(self, node: Node, title: str) -> None:
        summary: list[str] = []
        for key, value, children, child in self.fields(node, _OVERVIEW, title):
            points = _points(children)
            if key is None:
                if child.kind == "para" and not children and split_label(child.text)[0] is None:
                    summary.append(_unbold(child.text))
                else:
                    self.keep(child, title, "no field of the role takes it, kept under notes")
                continue
            if key == "company":
                self.company.setdefault("name_from_overview", value)
            elif key in ("responsibilities", "requirements", "preferred"):
                items = points or (_split_list(value) if value else [])
                if value and points:
                    items = [value, *points]
                self.role[key] = self.role.get(key, []) + items
            elif key == "location":
                self._location(value)
            elif key == "remote":
                self._remote(value)
            elif (
                key == "employment_type"
                and _REMOTE.search(value)
                and not re.search(r"full|part|contract|intern|정규|계약|인턴|파견", value, re.I)
            ):
                self._remote(value)
            else:
                self.role[key] = (
                    " · ".join([value, *points])
                    if value and points
                    else value or " · ".join(points)
                )
        if summary:
            self.role["summary"] = " ".join(summary)

    def _location(self, value: str) -> None:
        m = re.search(r"[(（]([^()（）]*)[)）]\s*$", value)
        note = m.group(1).strip() if m else ""
        if note and _REMOTE.search(note):
            self.role["location"] = value[: m.start()].strip()  # type: ignore[union-attr]
            self._remote(note)
        else:
            self.role["location"] = value
            if _REMOTE.search(value):
                self._remote(value)

    def _remote(self, value: str) -> None:
        self.role["remote"] = not _NOT_REMOTE.search(value) and bool(_REMOTE.search(value))
        if value != self.role.get("location"):
            self.role["remote_note"] = value

    def s_fit(self, node: Node, title: str) -> None:
        self.why_fit += _groups(node, "title")

    def s_highlights(self, node: Node, title: str) -> None:
        self.highlights += _groups(node, "area")

    def s_company(self, node: Node, title: str) -> None:
        summary: list[str] = []
        for key, value, children, child in self.fields(node, _COMPANY, title):
            points = _points(children)
            if key is None:
                if child.kind == "para" and not children and split_label(child.text)[0] is None:
                    summary.append(_unbold(child.text))
                else:
                    self.keep(child, title, "no field of the company takes it, kept under notes")
                continue
            if key == "name":
                self._company_name(value)
            elif key == "products" or key == "recent_news":
                items = points or (_split_list(value) if value else [])
                if value and points:
                    items = [value, *points]
                self.company[key] = self.company.get(key, []) + items
            elif key == "mission":
                self.company["mission"] = (
                    _strip_quotes(value) if value else (points[0] if points else "")
                )
                rest = points if value else points[1:]
                if rest:
                    self.company["mission_note"] = " · ".join(rest)
            elif key == "values":
                self._values(value, children, child.line)
            else:
                self.company[key] = (
                    " · ".join([value, *points])
                    if value and points
                    else value or " · ".join(points)
                )
        if summary:
            self.company["summary"] = " ".join(summary)

    def _company_name(self, value: str) -> None:
        m = re.match(r"^(.*?)\s*[(（]([^()（）]+)[)）]\s*$", value)
        if m and _HANGUL.search(m.group(1)) and not _HANGUL.search(m.group(2)):
            self.company["name"] = m.group(1).strip()
            self.company["name_en"] = m.group(2).strip()
        else:
            self.company["name"] = value

    def _values(self, value: str, children: list[Node], line: int) -> None:
        if value:
            for v in _split_list(value):
                self._value(v, "", line)
        for c in children:
            label, desc = split_label(c.text)
            if label:
                self._value(label, desc, c.line)
            else:
                self._value(_unbold(c.text), "", c.line)

    def _value(self, name: str, description: str, line: int) -> None:
        name = _strip_quotes(name.strip())
        if not name:
            return
        entry: dict[str, Any] = {"id": "", "name": name}
        if description:
            entry["description"] = description
        self.values.append(entry)

    def s_values(self, node: Node, title: str) -> None:
        for child in node.children:
            if child.kind == "heading":
                self._value(_clean_title(child.text), " ".join(_points(child.children)), child.line)
                continue
            label, desc = split_label(child.text)
            if label is None and "," in desc and not child.children:
                for v in _split_list(desc):
                    self._value(v, "", child.line)
                continue
            extra = " · ".join(_points(child.children))
            desc = " · ".join(x for x in (desc if label else "", extra) if x)
            self._value(label or _unbold(child.text), desc, child.line)

    def s_news(self, node: Node, title: str) -> None:
        self.company["recent_news"] = self.company.get("recent_news", []) + _points(node.children)

    def s_candidate(self, node: Node, title: str) -> None:
        for key, value, children, child in self.fields(node, _CANDIDATE, title):
            if key is None:
                self.keep(child, title, "no field of the candidate takes it, kept under notes")
                continue
            text = " · ".join([value, *_points(children)]) if children else value
            if key == "experience":
                m = re.search(r"(\d{1,2})", text)
                if m:
                    self.candidate["experience_years"] = int(m.group(1))
                self.candidate["experience"] = text
            else:
                self.candidate[key] = text

    def s_advice(self, node: Node, title: str) -> None:
        for child in node.children:
            if child.kind == "heading":
                label: str | None = _clean_title(child.text)
                value = ""
            else:
                label, value = split_label(child.text)
            nested = _points(child.children)
            if child.kind == "para" and not nested and self._signoff(child):
                continue
            key = _field(label, _ADVICE) if label and (nested or child.kind == "heading") else None
            if key is None:
                if label and not nested and child.kind != "heading":
                    key = _field(label, _ADVICE)
                    nested = [_unbold(child.text)] if key else nested
                if key is None:
                    points = [_unbold(child.text), *nested] if child.kind != "heading" else nested
                    self.advice.setdefault("general", []).extend(points)
                    continue
            points = ([value] if value and nested else []) + nested
            if key == "values":
                self._alignment(child)
            elif key == "red_flags":
                self._red_flags(points, child.line, child)
            elif key == "closing":
                self._closing(points, child)
            elif key == "follow_up":
                self._follow(" ".join(points), child)
            else:
                self.advice.setdefault(key, []).extend(points)

    def _alignment(self, node: Node) -> None:
        for c in node.children:
            label, value = split_label(c.text)
            if label:
                self.alignment.append((label, value, c.line))
            else:
                self.advice.setdefault("general", []).append(_unbold(c.text))

    def s_red_flags(self, node: Node, title: str) -> None:
        points: list[str] = []
        for child in node.children:
            if child.kind == "heading":
                area = _clean_title(child.text)
                body = " ".join(_points(child.children))
                self._gap(area, body, child.line)
                points.append(f"{area}: {body}" if body else area)
                continue
            label, value = split_label(child.text)
            nested = _points(child.children)
            if label and (value or nested) and len(label) <= 40 and not _EG.search(label):
                self._gap(label, " ".join([value, *nested]).strip(), child.line)
            else:
                self._gaps_named([_unbold(child.text)])
            points.append(_unbold(child.text))
            points += nested
        self.advice.setdefault("avoid", []).extend(points)

    def _gap(self, area: str, plan: str, line: int) -> None:
        self.gaps.append({"area": area, "admit": "", "plan": plan})

    def _red_flags(self, points: list[str], line: int, node: Node | None) -> None:
        self.advice.setdefault("avoid", []).extend(points)
        self._gaps_named(points)

    def _gaps_named(self, points: list[str]) -> None:
        """ "Limited experience in some areas (e.g. Terraform, Kafka)": one gap per area."""
        for p in points:
            m = _EG.search(p)
            if m and _GAP_WORDS.search(p):
                rest = (p[: m.start()] + p[m.end() :]).strip()
                rest = re.sub(r"\s+([,，.:：])", r"\1", rest)
                for area in _split_list(re.sub(r"\s+(?:and|or|및|와|과)\s+", ", ", m.group(1))):
                    self.gaps.append({"area": area, "admit": "", "plan": rest})

    def s_closing(self, node: Node, title: str) -> None:
        self._closing(_points(node.children), node)

    def _closing(self, points: list[str], node: Node) -> None:
        for p in points:
            if _EMAIL_WORDS.search(p) and (_HOURS.search(p) or _DAYS.search(p) or not _is_quote(p)):
                if not _is_quote(p):
                    self._follow(p, node)
                    continue
            if not self.closing and (_is_quote(p) or not _EMAIL_WORDS.search(p)):
                self.closing = _strip_quotes(p)
            else:
                self.advice.setdefault("closing", []).append(p)

    def s_follow_up(self, node: Node, title: str) -> None:
        paras = [c for c in node.children if c.kind == "para"]
        if len(paras) >= 3:
            self.email = self.source(node)
            return
        self._follow(" ".join(_points(node.children)), node)

    def _follow(self, text: str, node: Node) -> None:
        if not text:
            return
        hours = None
        m = _HOURS.search(text)
        if m:
            hours = int(m.group(1))
        else:
            d = _DAYS.search(text)
            if d:
                hours = 24 * int(d.group(1)) if d.group(1) else 24
        fu = self.follow_up
        if hours and 1 <= hours <= 24 * 30 and "thank_you_within_hours" not in fu:
            fu["thank_you_within_hours"] = hours
        fu["template"] = "thank-you"
        fu["note"] = f"{fu['note']} · {text}" if fu.get("note") else text

    # -- cards --------------------------------------------------------------
    def s_questions(self, node: Node, title: str) -> None:
        self.questions_title = self.questions_title or title
        self._questions(node, "", self.questions, "technical", title)

    def s_ask(self, node: Node, title: str) -> None:
        self.ask_title = self.ask_title or title
        self._questions(node, "", self.asks, "ask", title)

    def _questions(
        self, node: Node, group: str, out: list[CardPlan], kind: str, section: str
    ) -> None:
        for child in node.children:
            if child.kind == "heading":
                self._questions(child, _clean_title(child.text), out, kind, section)
                continue
            label, value = split_label(child.text)
            text = _unbold(child.text)
            if child.children and (
                (label is not None and not value) or (not _asks(text) and _all_ask(child.children))
            ):
                self._questions(child, _clean_title(label or text), out, kind, section)
                continue
            if label is not None and re.fullmatch(r"q(?:uestion)?\d*|질문\d*|문항", label, re.I):
                text = value
            if child.kind == "para" and not _asks(text):
                self.keep(child, section, "not a question, kept under notes")
                continue
            q = _strip_quotes(text)
            if not q:
                continue
            notes = self.source_of(child.children)
            card_kind = kind
            if kind == "technical" and (
                _BEHAVIORAL.search(group) or (not group and _BEHAVIORAL_Q.search(q))
            ):
                card_kind = "behavioral"
            out.append(CardPlan(id="", kind=card_kind, topic=group, q=q, line=child.line, a=notes))

    def source_of(self, nodes: list[Node]) -> str:
        return "\n".join(self.source(n) for n in nodes).strip()

    def s_concepts(self, node: Node, title: str) -> None:
        self.concepts_title = self.concepts_title or title
        self._concepts(node, "")

    def _concepts(self, node: Node, group: str) -> None:
        for child in node.children:
            if child.kind == "heading":
                self._concepts(child, _clean_title(child.text))
                continue
            label, value = split_label(child.text)
            if child.children and label is not None and not value and not group:
                self._concepts(child, label)
                continue
            if (
                label is None
                and child.children
                and not group
                and all(not c.children for c in child.children)
                and len(child.children) > 1
                and not _asks(child.text)
            ):
                # `- Databases` with the things to know nested below: a group.
                self._concepts(child, _unbold(child.text))
                continue
            term = label or _unbold(child.text)
            keywords: list[str] = []
            answer = ""
            if label and value:
                parts = _split_list(value)
                if all(0 < len(p) <= 40 for p in parts):
                    keywords = parts
                else:
                    term = _unbold(child.text)
            nested = _points(child.children)
            if nested and all(len(p) <= 40 for p in nested) and not keywords:
                keywords = nested
            elif nested:
                answer = self.source_of(child.children)
            self.concepts.append(
                CardPlan(
                    id="",
                    kind="concept",
                    topic=group,
                    q=_strip_quotes(term),
                    line=child.line,
                    a=answer,
                    keywords=keywords,
                )
            )

    # -- finishing ----------------------------------------------------------
    def finish(self) -> None:
        self._title_fallbacks()
        self._value_ids()
        if not self.follow_up:
            self.follow_up = {"thank_you_within_hours": 24, "template": "thank-you"}
        self.follow_up.setdefault("template", "thank-you")

    def _title_fallbacks(self) -> None:
        name_from_overview = self.company.pop("name_from_overview", None)
        if not self.company.get("name") and name_from_overview:
            self._company_name(name_from_overview)
        if not self.candidate.get("name"):
            m = re.search(r"\bfor ([A-Z][\w.-]+(?: [A-Z][\w.-]+)?)\s*[:：–—-]", self.title)
            if m:
                self.candidate["name"] = m.group(1)
        if self.title and (not self.company.get("name") or not self.role.get("title")):
            company, role = _title_parts(self.title, self.role.get("title", ""))
            if company and not self.company.get("name"):
                self._company_name(company)
            if role and not self.role.get("title"):
                self.role["title"] = role

    def _value_ids(self) -> None:
        """Pair the advice's value alignment with the company values; give each an id."""
        left = list(range(len(self.values)))
        pairs: dict[int, tuple[str, str, int]] = {}
        rest: list[tuple[str, str, int]] = []
        for item in self.alignment:
            label = item[0]
            hit = next((i for i in left if _same_value(label, self.values[i]["name"])), None)
            if hit is None:
                rest.append(item)
            else:
                pairs[hit] = item
                left.remove(hit)
        if rest and len(rest) == len(left):
            for i, item in zip(left, rest, strict=True):
                pairs[i] = item
            rest = []
        if not self.values and rest:
            # Values named only in the advice: they are the values to show.
            for label, how, line in rest:
                self._value(label, "", line)
                pairs[len(self.values) - 1] = (label, how, line)
            rest = []
        for label, how, _ in rest:
            self.advice.setdefault("values", []).append(f"{label}: {how}" if how else label)
        taken = _Ids()
        for i, v in enumerate(self.values):
            english = pairs[i][0] if i in pairs else ""
            if i in pairs and pairs[i][1]:
                v["how_i_show_it"] = pairs[i][1]
            if (
                english
                and not _HANGUL.search(english)
                and _HANGUL.search(v["name"])
                and (english.casefold() not in v["name"].casefold())
            ):
                v["name"] = f"{v['name']} ({english})"
            base = _slug(_ascii_part(v["name"]) or english, 40) or f"value-{i + 1}"
            v["id"] = taken.add_new(base)


def _walk(node: Node):
    yield node
    for c in node.children:
        yield from _walk(c)


def _known_below(node: Node) -> bool:
    return bool(classify(_clean_title(node.text))) or any(
        c.kind == "heading" and _known_below(c) for c in node.children
    )


def _points(nodes: list[Node]) -> list[str]:
    """Leaf texts, depth first: an item with nested items gives itself, then them."""
    out: list[str] = []
    for n in nodes:
        text = _clean_title(n.text) if n.kind == "heading" else _unbold(n.text)
        if text:
            out.append(text)
        out += _points(n.children)
    return out


def _groups(node: Node, key: str) -> list[dict[str, Any]]:
    """`**Label:**` items (or subheadings) with points below -> [{key: label, points}]."""
    out: list[dict[str, Any]] = []
    loose: dict[str, Any] | None = None
    for child in node.children:
        if child.kind == "heading":
            out.append({key: _clean_title(child.text), "points": _points(child.children)})
            loose = None
            continue
        label, value = split_label(child.text)
        if child.children:
            points = ([value] if value else []) + _points(child.children)
            out.append({key: label or _unbold(child.text), "points": points})
            loose = None
        elif label and value and len(label) <= 40:
            out.append({key: label, "points": [value]})
            loose = None
        else:
            if loose is None:
                loose = {key: "", "points": []}
                out.append(loose)
            loose["points"].append(_unbold(child.text))
    return out


def _all_ask(nodes: list[Node]) -> bool:
    texts = [_unbold(n.text) for n in nodes if n.kind == "item"]
    return bool(texts) and sum(_asks(t) for t in texts) >= 0.6 * len(texts)


def _is_quote(text: str) -> bool:
    return _strip_quotes(text) != text.strip()


def _name_in(text: str) -> str | None:
    m = re.search(
        r"\b(?:good luck|best of luck|all the best|you(?:'|’)ve got this|go get (?:it|them))[,!]?\s+"
        r"([A-Z][\w.-]+(?: [A-Z][\w.-]+)?)\s*[!.,]",
        text,
        re.I,
    )
    if m and m.group(1)[0].isupper():
        return m.group(1)
    m = re.search(
        r"([\uac00-\ud7a3A-Za-z]{2,10})\s*님[,!]?\s*(?:화이팅|파이팅|힘내세요|응원합니다|행운을)",
        text,
    )
    if m:
        return m.group(1)
    m = re.search(r"(?:화이팅|파이팅|행운을 빕니다)[,!]?\s*([\uac00-\ud7a3]{2,4})\s*님", text)
    return m.group(1) if m else None


def _title_parts(title: str, role_title: str) -> tuple[str, str]:
    """ "Interview Prep: Acme – Backend Engineer" -> ("Acme", "Backend Engineer")."""
    rest = re.sub(
        r"^.*?(?:interview )?(?:prep(?:aration)?|guide|notes?|plan|briefing|cheat ?sheet|면접 ?준비(?: ?자료| ?노트)?|"
        r"면접 ?대비)(?:\s+(?:guide|notes?|document|doc|pack))?(?:\s+for\s+[^:：]+)?\s*(?:[:：]|\s[–—-])\s*",
        "",
        title,
        count=1,
        flags=re.I,
    )
    if rest == title and ":" not in title and "：" not in title:
        rest = title
    m = re.match(r"^(.+?)\s+(?:at|@)\s+(.+)$", rest)
    if m:
        return m.group(2).strip(), m.group(1).strip()
    parts = [p.strip() for p in re.split(r"\s+[–—|/-]\s+|\s*[–—|]\s*", rest) if p.strip()]
    if len(parts) >= 2:
        a, b = parts[0], " – ".join(parts[1:])
        if role_title and a == role_title:
            return b, a
        return a, b
    return "", ""


def _ascii_part(name: str) -> str:
    m = re.search(r"[(（]([^()（）]+)[)）]", name)
    if m and not _HANGUL.search(m.group(1)):
        return m.group(1)
    return name if not _HANGUL.search(name) else ""


def _same_value(label: str, name: str) -> bool:
    a, b = _slug(label, 80), _slug(_ascii_part(name) or name, 80)
    if a and b and (a == b or a in b.split("-") or b in a.split("-")):
        return True
    fold = label.casefold().strip()
    return bool(fold) and (fold in name.casefold() or name.casefold() in fold)


def _slug(text: str, limit: int = 48) -> str:
    from .words import slug

    return slug(text, limit, cut_first=False)


class _Ids(set):
    """Ids taken so far; `add_new(base)` takes `base`, else the next free `base-N`
    without scanning from 2 each time (10,000 look-alike questions stay linear)."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.next: dict[str, int] = {}

    def add_new(self, base: str) -> str:
        base = base[:72].strip("-._") or "x"
        out = base
        if base in self:
            n = self.next.get(base, 2)
            while f"{base}-{n}" in self:
                n += 1
            self.next[base] = n + 1
            out = f"{base}-{n}"
        self.add(out)
        return out


def _one_line(text: str, cap: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= cap else text[: cap - 1] + "…"


_STOP = set(
    "a an the of to in on for and or with at by from as is are be do does did you your i my me we "
    "our it its this that these those what how why when which who can could would should will "
    "tell describe explain about time give example share any have has had there their them they "
    "vs via e g".split()
)


def _tokens(text: str) -> set[str]:
    low = text.casefold()
    words = {w for w in re.findall(r"[a-z0-9][a-z0-9+#.]*", low) if w not in _STOP and len(w) > 1}
    for run in re.findall(r"[\uac00-\ud7a3]+", low):
        words |= {run[i : i + 2] for i in range(len(run) - 1)}
    return words


# ---------------------------------------------------------------- ids, topics, stories


def _card_ids(cards: list[CardPlan], prefix: str, taken: _Ids) -> None:
    for n, c in enumerate(cards, start=1):
        words = [
            w
            for w in re.findall(r"[a-z0-9]+", _ascii(c.q).lower())
            if w not in _STOP and not w.isdigit()
        ]
        base = "-".join(words[:4])
        if prefix and base:
            base = f"{prefix}-{base}"
        if not base:
            base = f"{prefix or 'q'}-{n}"
        c.id = taken.add_new(base)


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def _assign(wants: list[str], options: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """For each text, the (point, area) of the highlight sharing most words with it.

    The closest pairs are made first, each highlight once while unused ones remain;
    a text that shares nothing gets the next unused highlight.
    """
    picks: list[tuple[str, str]] = [("", "")] * len(wants)
    if not options:
        return picks
    tokens = [_tokens(f"{area} {point}") for area, point in options]
    scores = [
        (len(_tokens(w) & t), -i, -j) for i, w in enumerate(wants) for j, t in enumerate(tokens)
    ]
    done: set[int] = set()
    used: set[int] = set()
    for score, ni, nj in sorted(scores, reverse=True):
        i, j = -ni, -nj
        if score == 0 or i in done or (j in used and len(used) < len(options)):
            continue
        picks[i] = (options[j][1], options[j][0])
        done.add(i)
        used.add(j)
    for i in range(len(wants)):
        if i in done:
            continue
        free = [j for j in range(len(options)) if j not in used] or list(range(len(options)))
        j = free[0]
        picks[i] = (options[j][1], options[j][0])
        used.add(j)
    return picks


def _topic_words(text: str) -> set[str]:
    """Whole words (Latin terms and Korean words without their particles) for topic matching."""
    low = text.casefold()
    words = {w for w in re.findall(r"[a-z][a-z0-9+#]*", low) if w not in _STOP and len(w) > 1}
    for run in re.findall(r"[\uac00-\ud7a3]{2,}", low):
        words.add(
            re.sub(r"(?:에서의|에서|으로|이나|에게|와|과|를|을|는|은|이|가|의|에|로|도)$", "", run)
        )
    return {w for w in words if len(w) > 1}


def _concept_topics(concepts: list[CardPlan], questions: list[CardPlan]) -> None:
    """A concept joins the question topic whose name and questions share its terms."""
    topics: dict[str, tuple[set[str], set[str]]] = {}
    for q in questions:
        if q.topic and q.kind == "technical":
            name, body = topics.setdefault(q.topic, (_topic_words(q.topic), set()))
            body |= _topic_words(q.q)
    if not topics:
        return
    for c in concepts:
        if c.topic:
            continue
        want = _topic_words(f"{c.q} {' '.join(c.keywords)}")
        latin = {w for w in want if w.isascii()}
        scored: list[tuple[int, int, str]] = []
        for topic, (name, body) in topics.items():
            score = 2 * len(latin & (name | body)) + len((want - latin) & name)
            scored.append((score, -len(scored), topic))
        score, _, topic = max(scored)
        if score >= 2:
            c.topic = topic


# ---------------------------------------------------------------- public


def read_text(text: str, path: str, language: str | None = None) -> PrepDoc:
    r = _Reader(text, path, language)
    r.read()
    ko = r.language == "ko"
    company_name = r.company.get("name", "")
    # Cards: ids, default topics, decks.
    taken = _Ids()
    general = "일반" if ko else "General"
    for c in r.questions:
        c.topic = c.topic or general
    _concept_topics(r.concepts, r.questions)
    for c in r.concepts:
        c.topic = c.topic or r.concepts_title or ("개념" if ko else "Concepts")
    for c in r.asks:
        c.topic = c.topic or r.ask_title or ("면접관에게 할 질문" if ko else "Questions to ask")
    _card_ids(r.questions, "", taken)
    _card_ids(r.asks, "ask", taken)
    _card_ids(r.concepts, "concept", taken)
    decks: list[DeckPlan] = []
    lead = f"{company_name} — " if company_name else ""
    if r.questions:
        title = r.questions_title or ("예상 면접 질문" if ko else "Predicted questions")
        decks.append(DeckPlan("questions", lead + title, r.questions, "technical"))
    if r.asks:
        decks.append(DeckPlan("ask", lead + (r.ask_title or "Questions to ask"), r.asks, "ask"))
    if r.concepts:
        title = r.concepts_title or ("개념" if ko else "Concepts")
        decks.append(DeckPlan("concepts", lead + title, r.concepts, "concept"))
    # Stories: one per value, one per behavioral question.
    highlights = [(g.get("area", ""), p) for g in r.highlights for p in g.get("points", [])]
    behavioral = [c for c in r.questions if c.kind == "behavioral"]
    aims = [v.get("how_i_show_it") or v.get("description") or "" for v in r.values]
    wants = [f"{v['name']} {aim}" for v, aim in zip(r.values, aims, strict=True)]
    wants += [c.q for c in behavioral]
    picks = _assign(wants, highlights)
    stories: list[StoryPlan] = []
    story_ids = _Ids({"thank-you"})
    draft = "초안" if ko else "draft"
    for n, (v, aim) in enumerate(zip(r.values, aims, strict=True)):
        point, area = picks[n]
        sid = story_ids.add_new(v["id"])
        stories.append(
            StoryPlan(sid, f"{v['name']} — {draft}", [v["id"]], [], None, point, area, aim)
        )
    value_tokens = [
        (v["id"], _tokens(f"{v['name']} {v.get('how_i_show_it', '')}")) for v in r.values
    ]
    for n, c in enumerate(behavioral, start=len(r.values)):
        point, area = picks[n]
        sid = story_ids.add_new(c.id)
        c.story = sid
        want = _tokens(c.q)
        best = max(value_tokens, key=lambda vt: len(want & vt[1]), default=None)
        values = [best[0]] if best is not None and want & best[1] else []
        stories.append(StoryPlan(sid, c.q, values, [c.id], c.topic, point, area, c.q))
    profile, missing = _profile(r)
    return PrepDoc(
        path=path,
        language=r.language,
        title=r.title,
        profile=profile,
        decks=decks,
        stories=stories,
        unplaced=sorted(r.unplaced, key=lambda u: u.line),
        missing=missing,
        sections=r.sections,
    )


def _profile(r: _Reader) -> tuple[dict[str, Any], list[str]]:
    missing: list[str] = []
    candidate = {"name": r.candidate.get("name", "")}
    candidate.update({k: v for k, v in r.candidate.items() if k != "name"})
    role: dict[str, Any] = {"title": r.role.get("title", "")}
    role.update({k: v for k, v in r.role.items() if k != "title"})
    order = ("name", "name_en", "industry", "products", "mission", "mission_note", "summary")
    company: dict[str, Any] = {"name": r.company.get("name", "")}
    company.update({k: r.company[k] for k in order[1:] if k in r.company})
    company["values"] = r.values
    company.update({k: v for k, v in r.company.items() if k not in company})
    for label, value in (
        ("candidate.name", candidate["name"]),
        ("role.title", role["title"]),
        ("company.name", company["name"]),
        ("company.values", r.values),
        ("closing", r.closing),
    ):
        if not value:
            missing.append(label)
    profile: dict[str, Any] = {
        "candidate": candidate,
        "role": role,
        "company": company,
        "why_fit": r.why_fit,
        "highlights": r.highlights,
        "gaps": r.gaps,
        "advice": r.advice,
        "closing": r.closing,
        "follow_up": r.follow_up,
        "interview": {"date": None, "interviewer": None},
        "settings": {
            "new_per_day": 10,
            "max_reviews_per_day": 200,
            "desired_retention": 0.9,
            "day_starts_at": 4,
        },
    }
    if r.notes:
        profile["notes"] = r.notes
    if r.email:
        profile["_email"] = r.email
    return profile, missing


def read(path: Any, language: str | None = None) -> PrepDoc:
    """Read a prep document file; a PrepError names the file (and line) when it cannot be read."""
    from pathlib import Path

    p = Path(path).expanduser()
    try:
        raw = p.read_bytes()
    except FileNotFoundError:
        raise PrepError(f"{p}: no such file") from None
    except IsADirectoryError:
        raise PrepError(f"{p}: is a folder, not a file") from None
    except OSError as exc:
        raise PrepError(f"{p}: cannot read: {exc.strerror}") from None
    if len(raw) > MAX_BYTES:
        raise PrepError(
            f"{p}: file is {len(raw):,} bytes; a prep document is at most {MAX_BYTES:,}"
        )
    from .safefile import decode_text

    text = decode_text(raw, p, "a binary file, not a prep document")
    doc = read_text(text, str(p), language)
    if not doc.cards and not doc.sections:
        raise PrepError(
            f"{p}: found no prep document sections (job overview, company, predicted questions, "
            "questions to ask, concepts, advice...); use `prep init DIR --blank` to start empty"
        )
    return doc
