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


# ---------------------------------------------------------------- facts as of December 2026
#
# Each fact here changed between 2024 and 2026 and was checked against its
# source (decks/SOURCES.md). These catch the example content sliding back.


def _all_text() -> str:
    return "\n".join(
        p.read_text(encoding="utf-8")
        for d in ("decks", "answers")
        for p in sorted((ROOT / d).glob("*"))
        if p.suffix in (".yaml", ".j2")
    )


def _card(card_id: str) -> dict:
    return next(c for c in _cards() if c["id"] == card_id)


def test_no_deprecated_uvicorn_worker_is_recommended():
    text = _all_text()
    assert "uvicorn.workers.UvicornWorker" not in text
    assert "Gunicorn + UvicornWorker" not in text
    for card_id in ("fastapi-async-caveats", "concept-fastapi-internals"):
        assert "uvicorn_worker.UvicornWorker" in _card(card_id)["a"], card_id


def test_helm_atomic_is_described_as_the_helm_4_alias():
    a = _card("concept-helm")["a"]
    assert "--rollback-on-failure" in a and "4.2.0" in a and "deprecated alias" in a
    assert "install --atomic`은 제거" not in a
    assert "(선택 사항)" in _card("concept-helm")["q"]  # as the seed lists it


def test_rds_monitoring_points_to_database_insights():
    a = _card("concept-aws-rds")["a"]
    assert "Database Insights" in a and "2026-07-31" in a
    assert "Performance Insights로" not in a


def test_kafka_share_groups_change_the_work_queue_answer():
    a = _card("concept-kafka-vs-rabbitmq")["a"]
    assert "share group" in a and "KIP-932" in a and "4.2" in a
    assert "작업 분배·RPC·메시지별 라우팅 → RabbitMQ" not in a


def test_vpc_card_knows_the_regional_nat_gateway():
    assert "regional NAT Gateway" in _card("concept-aws-vpc")["a"]


def test_elasticsearch_heap_is_sized_automatically_and_opensearch_is_named():
    for card_id in ("concept-es-topology", "es-topology-inverted-index"):
        a = _card(card_id)["a"]
        assert "7.11" in a and "OpenSearch" in a, card_id
        assert not re.search(r"JVM heap은 RAM의 50% 이하", a), card_id


def test_ingress_nginx_is_retired_and_gateway_api_named():
    a = _card("concept-k8s-basics")["a"]
    assert "Gateway API" in a and "2026년 3월" in a


def test_s3_lifecycle_mentions_the_128_kb_transition_minimum():
    assert (
        "128KB 미만 객체는 어떤 스토리지 클래스로도 전환되지 않는다"
        in _card("ec2-autoscaling-s3-lifecycle")["a"]
    )


def test_elasticache_default_eviction_and_redis_licensing():
    a = _card("concept-redis-cache-strategies")["a"]
    assert "ElastiCache 기본 parameter group은 `volatile-lru`" in a
    assert "(기본 `noeviction`" not in a
    assert "RSALv2/SSPLv1" in a and "AGPLv3" in a and "Valkey" in a


def test_smaller_corrections_stay_made():
    assert "대부분의 경우" in _card("pydantic-performance")["a"]
    assert (
        "아직 트래픽을 받지 않는 새 인덱스에 한해 replica 0"
        in _card("es-topology-inverted-index")["a"]
    )
    assert "musllinux" in _card("concept-docker-multistage")["a"]
    assert "analyzer(토크나이저)" not in _card("concept-es-analyzer")["q"]
    assert "수명주기를 공유" in _card("cfn-modularization")["a"]


def test_one_term_for_pods():
    # Kubernetes' Korean docs say 파드; "pod" survives only in English names (PodDisruptionBudget).
    for m in re.finditer(r"\bpods?\b", _all_text()):
        raise AssertionError(f"'pod' at {m.start()}: write 파드")


# ---------------------------------------------------------------- stories a candidate can tell


def _workspace():
    from prep.workspace import find

    return find(str(ROOT))


def _stories():
    from prep import answers

    ws = _workspace()
    return [m for m in answers.list_stories(ws) if m.kind == "story"], ws


def test_stories_fit_two_minutes_with_a_short_situation():
    from prep import answers
    from prep.workspace import load_profile

    metas, ws = _stories()
    profile = load_profile(ws).data
    for meta in metas:
        story = answers.render_meta(ws, meta, profile)
        assert 90 <= story.seconds <= 150, (meta.id, story.seconds)
        split = story.split()
        assert split["Situation"] <= 25 and split["Action"] <= 60, (meta.id, split)


def test_six_to_eight_stories_to_rehearse_and_the_rest_in_reserve():
    metas, _ = _stories()
    main = [m for m in metas if not m.reserve]
    assert 6 <= len(main) <= 8 and len(metas) - len(main) >= 1
    values = {v for m in main for v in m.values}
    assert values == {"ownership", "speed-impact", "collaboration", "continuous-improvement"}


def test_every_situation_says_when_as_an_example():
    """A year in every Situation, marked as an example (the career is invented)."""
    from prep import answers
    from prep.workspace import load_profile

    metas, ws = _stories()
    profile = load_profile(ws).data
    for meta in metas:
        assert "c.when" in meta.examples, meta.id
        situation = dict(answers.render_meta(ws, meta, profile).sections)["Situation"]
        assert re.match(r"`✎20\d\d년", situation), (meta.id, situation[:40])


def test_the_career_is_one_timeline():
    """prep.yaml's career lists every story once, in time order, with the year its story gives."""
    metas, _ = _stories()
    profile = yaml.safe_load((ROOT / "prep.yaml").read_text(encoding="utf-8"))
    timeline = "\n".join(profile["career"]["timeline"])
    for meta in metas:
        when = str(meta.vars["c"]["when"])
        year = re.search(r"20\d\d", when).group(0)
        line = next(x for x in profile["career"]["timeline"] if meta.id in x)
        assert year in line, (meta.id, when, line)
    assert "gRPC" in profile["career"]["platform"] and "EKS" in profile["career"]["platform"]
    assert timeline.count("\n") + 1 == len(profile["career"]["timeline"])


def test_one_infrastructure_picture():
    text = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "answers").glob("*.md.j2"))
    # The price engine is called over gRPC (REST before the migration story), never over httpx.
    assert not re.search(r"가격[^\n.]*httpx|httpx[^\n.]*가격", text)
    assert "㈜" not in text  # a story is said aloud: 데이터벤처스
    for phrase in (
        "서브 ms",
        "결제 직후 가격 검증",
        "부하 테스트는 날짜가 고정",
        "들려주신",
        "43.2분",
    ):
        assert phrase not in text, phrase


def test_invented_figures_do_not_repeat_across_stories():
    """The same placeholder in five stories reads as a template, not as a career."""
    from prep import answers

    metas, _ = _stories()
    seen: dict[object, list[str]] = {}

    def walk(value, owner):
        if isinstance(value, dict):
            for v in value.values():
                walk(v, owner)
        elif answers.is_example(value) and isinstance(value, (int, float)) and value >= 100:
            seen.setdefault(answers.raw_value(value), []).append(owner)

    for meta in metas:
        walk(meta.vars, meta.id)
    repeated = {k: v for k, v in seen.items() if len(set(v)) > 1}
    assert not repeated, repeated


def test_the_four_basic_questions_of_a_korean_interview_have_cards_and_texts():
    stories = {p.name.removesuffix(".md.j2") for p in (ROOT / "answers").glob("*.md.j2")}
    for card_id in (
        "self-introduction",
        "why-this-company",
        "reason-for-leaving",
        "expected-salary",
    ):
        card = _card(card_id)
        assert card["topic"] == "기본 질문" and len(card["a"].strip().splitlines()) >= 3
        assert card.get("story") in stories, card_id
    assert "₩40M–₩55M" in _card("expected-salary")["a"]


def test_the_self_introduction_takes_about_a_minute():
    from prep import answers

    story = answers.render(_workspace(), "self-introduction")
    assert 45 <= story.seconds <= 75, story.seconds


def test_changeable_facts_name_their_sources():
    sources = (ROOT / "decks" / "SOURCES.md").read_text(encoding="utf-8")
    for fact in (
        "rollback-on-failure", "Database Insights", "uvicorn-worker", "KIP-932",
        "regional NAT", "7.11", "ingress-nginx", "128 KB", "volatile-lru", "AGPLv3",
        "PEP 656",
    ):  # fmt: skip
        assert fact in sources, fact
    assert re.search(r"checked 2026-12-\d\d", sources)


def test_the_basic_texts_show_whole_in_drill_and_mock():
    """The drill and mock panel show a story by its sections: each text has headings of its own
    (none read as a STAR section), so no paragraph is left out."""
    from prep import answers

    ws = _workspace()
    for story_id in (
        "self-introduction",
        "why-this-company",
        "reason-for-leaving",
        "expected-salary",
    ):
        story = answers.render(ws, story_id)
        assert not story.preamble and len(story.parts) >= 2, story_id
        assert not {p.name for p in story.parts} & {*answers.STAR, *answers.OPTIONAL}, story_id
        shown = "\n".join(body for _, body in story.sections)
        body = story.markdown.split("\n")
        assert all(line in shown for line in body if line and not line.startswith("## "))
