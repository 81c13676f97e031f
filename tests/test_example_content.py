"""The example workspace holds the whole seed: every question verbatim, every concept, every ask."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from conftest import ROOT

SEED_DIRS = [ROOT.parent / "shared" / "seeds", Path("/work/shared/seeds")]


def _seed() -> str:
    for d in SEED_DIRS:
        files = sorted(d.glob("*.txt")) if d.is_dir() else []
        if files:
            return files[0].read_text(encoding="utf-8")
    pytest.skip("the seed document is not next to this checkout")


def _section(text: str, title: str) -> str:
    m = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", text, re.S | re.M)
    assert m, title
    return m.group(1)


def _cards() -> list[dict]:
    out = []
    for f in sorted((ROOT / "decks").glob("*.yaml")):
        out += yaml.safe_load(f.read_text(encoding="utf-8"))["cards"]
    return out


def test_every_predicted_question_is_a_card_verbatim():
    section = _section(_seed(), "Predicted Interview Questions")
    questions = re.findall(r"“(.+?)”", section)
    assert len(questions) == 14
    by_q = {c["q"]: c for c in _cards()}
    for q in questions:
        assert q in by_q, q
        assert by_q[q]["kind"] in ("technical", "behavioral")
        assert len(by_q[q]["a"].strip().splitlines()) >= 3  # a real answer, not a stub


def test_groups_become_topics_and_behavioral_kind():
    section = _section(_seed(), "Predicted Interview Questions")
    by_q = {c["q"]: c for c in _cards()}
    group = None
    for line in section.splitlines():
        m = re.match(r"\d+\. \*\*(.+?)\*\*", line.strip())
        if m:
            group = m.group(1)
            continue
        q = re.search(r"“(.+?)”", line)
        if q:
            card = by_q[q.group(1)]
            assert card["topic"] == group
            assert card["kind"] == ("behavioral" if group.startswith("행동") else "technical")


def test_every_question_to_ask_is_an_ask_card_with_notes():
    questions = re.findall(r"“(.+?)”", _section(_seed(), "Questions to Ask Them"))
    assert len(questions) == 7
    by_q = {c["q"]: c for c in _cards()}
    for q in questions:
        assert by_q[q]["kind"] == "ask" and by_q[q]["a"].strip()


# What each "Concepts To Know/Review" item names; each must have concept cards.
CONCEPT_TERMS = {
    "Async Python & FastAPI Internals": ["이벤트 루프", "FastAPI"],
    "Pydantic & 데이터 검증 최적화": ["Pydantic"],
    "AWS 주요 서비스": ["EC2", "RDS", "S3", "VPC", "IAM", "CloudFormation"],
    "PostgreSQL 전문 지식": ["인덱스", "격리", "EXPLAIN"],
    "Redis 캐시 전략 & Pub/Sub 패턴": ["캐시", "Pub/Sub"],
    "Elasticsearch": ["토폴로지", "색인 설계", "토크나이저"],
    "Docker & Kubernetes": ["멀티스테이지", "Kubernetes", "Helm"],
    "CI/CD": ["Jenkins", "테스트"],
    "모니터링 & 로깅": ["Prometheus", "Grafana", "ELK"],
    "분산 시스템 디자인": ["이벤트 드리븐", "Kafka", "RabbitMQ"],
    "gRPC": ["정의", "성능", "TLS"],
}


def test_every_concept_item_is_covered_by_concept_cards():
    items = re.findall(
        r"^- \*\*(.+?)(?::)?\*\*", _section(_seed(), "Concepts To Know/Review"), re.M
    )
    assert [i.rstrip(":") for i in items] == list(CONCEPT_TERMS)
    concept_q = " ".join(c["q"] for c in _cards() if c["kind"] == "concept")
    for item, terms in CONCEPT_TERMS.items():
        for term in terms:
            assert term.lower() in concept_q.lower(), (item, term)


def test_story_links_point_to_existing_stories():
    stories = {p.name.removesuffix(".md.j2") for p in (ROOT / "answers").glob("*.md.j2")}
    linked = [c for c in _cards() if c.get("story")]
    assert len(linked) >= 13
    assert all(c["story"] in stories for c in linked)
