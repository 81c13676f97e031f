"""Big workspaces for measuring prep at the sizes people reach: N cards, a review history.

A workspace as a person who imported large question banks would have it: a
`prep.yaml`, deck files of up to `per_file` cards each (Korean questions with
English technical terms, and English ones; model answers of a few bullet
lines, keywords, tags, topics; some cards with an `id:`, most without), and,
on request, a review history of `days` days written into the database the
way prep writes its own (the reviews table and the local grade order), with
the card states left for `Store.rebuild` to compute.

The text is made from parts, so questions look alike the way real banks do
(the same subject asked about in several ways), and every question is
distinct (no two give the same automatic id).

    from benchmarks.big_workspace import build, add_history
    root = build(tmp / "ws", 10_000)          # prep.yaml and decks/, no database
    # ... open it with prep (that syncs the decks), then:
    add_history(db_path, card_ids, days=60)   # reviews, for rebuild and status

    .venv/bin/python benchmarks/big_workspace.py DIR --cards 100000 [--history]
"""

from __future__ import annotations

import random
import sqlite3
import sys
import uuid as uuidlib
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from pathlib import Path

EPOCH = datetime(2027, 1, 4, 9, 0, tzinfo=timezone.utc)

SUBJECTS = (
    "FastAPI", "asyncio 이벤트 루프", "PostgreSQL 인덱스", "Redis 캐시", "Kafka 컨슈머 그룹",
    "Elasticsearch 샤드", "AWS Lambda", "CloudFormation 스택", "Docker 이미지", "Kubernetes 파드",
    "gRPC 스트리밍", "OAuth 2.0 토큰", "JWT 서명", "SQLAlchemy 세션", "Celery 작업 큐",
    "pytest 픽스처", "GIL", "멀티프로세싱", "REST API 버전 관리", "데이터베이스 트랜잭션",
    "격리 수준", "커넥션 풀", "로드 밸런서", "CDN 캐시 무효화", "메시지 중복 처리",
    "분산 락", "서킷 브레이커", "rate limiting", "배치 파이프라인", "CI/CD 파이프라인",
    "로그 수집", "메트릭 모니터링", "S3 업로드", "RDS 읽기 복제본", "VPC 서브넷", "TLS 핸드셰이크",
    "HTTP/2", "WebSocket 연결", "GraphQL 스키마", "typing 제네릭", "dataclass", "Pydantic 모델",
    "인증 미들웨어", "백프레셔", "이벤트 소싱", "CQRS", "쿼리 플랜", "N+1 쿼리", "파티셔닝",
    "샤딩 키", "캐시 스탬피드", "idempotency key", "블루-그린 배포", "카나리 배포", "feature flag",
)  # fmt: skip
ASPECTS = (
    "장애가 났을 때", "트래픽이 급증할 때", "지연 시간을 줄이려 할 때", "비용을 줄이려 할 때",
    "보안을 강화할 때", "테스트를 작성할 때", "데이터 정합성을 지킬 때", "운영 중 마이그레이션할 때",
    "메모리 사용량이 늘어날 때", "동시성 문제가 생길 때", "모니터링을 설계할 때", "신입에게 설명할 때",
)  # fmt: skip
KO_FORMS = (
    "{s}을(를) {a} 주의할 점은 무엇인가요?",
    "{a} {s}을(를) 어떻게 설계하시겠어요?",
    "{s}에서 {a} 겪었던 문제와 해결 방법을 설명해주세요.",
    "{a} {s}의 동작 원리를 설명해주세요.",
    "{s}을(를) {a} 어떤 지표를 보시나요?",
)
EN_FORMS = (
    "How would you use {s} when {a}?",
    "What can go wrong with {s} when {a}, and how do you guard against it?",
    "Explain {s} to an interviewer who asks about it when {a}.",
)
EN_ASPECTS = (
    "traffic spikes", "a node fails", "latency matters", "costs must fall", "data must stay consistent",
    "you migrate a live system", "memory keeps growing", "two requests race",
)  # fmt: skip
SCALES = ("초당 {n}건", "사용자 {n}만 명", "{n}개 서비스", "데이터 {n}GB", "{n}개 리전")
POINTS = (
    "먼저 병목을 측정한다: 프로파일러, 쿼리 플랜, p99 지연 시간",
    "타임아웃과 재시도에 지수 백오프를 두고, 멱등성으로 중복을 막는다",
    "캐시는 TTL과 무효화 전략을 함께 정하고, 스탬피드를 막는다",
    "트랜잭션 범위를 짧게 하고, 격리 수준을 요구사항에 맞춘다",
    "배포는 점진적으로: 카나리, 지표 확인, 자동 롤백",
    "blocking I/O never runs on the event loop: offload it to a thread pool",
    "measure before and after; keep the numbers in the postmortem",
    "a dashboard per service: saturation, errors, latency, traffic",
)  # fmt: skip
KINDS = ("technical", "technical", "technical", "behavioral", "concept", "ask")
TOPICS = (
    "Python & FastAPI", "Database", "Infra & AWS", "Distributed systems", "Testing", "Culture",
)  # fmt: skip


def questions(n: int, seed: int = 0) -> list[str]:
    """`n` distinct questions, Korean mostly, some English, alike the way real banks are."""
    rng = random.Random(seed)
    out: list[str] = []
    seen: set[str] = set()
    i = 0
    while len(out) < n:
        s = SUBJECTS[i % len(SUBJECTS)]
        if rng.random() < 0.8:
            q = KO_FORMS[(i // len(SUBJECTS)) % len(KO_FORMS)].format(
                s=s, a=ASPECTS[rng.randrange(len(ASPECTS))]
            )
        else:
            q = EN_FORMS[(i // len(SUBJECTS)) % len(EN_FORMS)].format(
                s=s, a=EN_ASPECTS[rng.randrange(len(EN_ASPECTS))]
            )
        q = f"{q} ({SCALES[rng.randrange(len(SCALES))].format(n=rng.randrange(2, 10_000))})"
        i += 1
        key = " ".join(q.casefold().split())
        if key in seen:
            continue
        seen.add(key)
        out.append(q)
    return out


def _yaml_text(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def deck_text(deck: str, qs: Sequence[str], rng: random.Random, start: int) -> str:
    lines = [
        f"deck: {deck}",
        f"title: 예상 면접 질문 {deck}",
        "language: ko",
        "cards:",
    ]
    for k, q in enumerate(qs):
        n = start + k
        # One card in five has an id line; the others are known by their question text.
        first = f"  - id: card-{n:06d}" if n % 5 == 0 else None
        kind = KINDS[n % len(KINDS)]
        body = [
            f"    kind: {kind}",
            f"    topic: {_yaml_text(TOPICS[n % len(TOPICS)])}",
            f"    q: {_yaml_text(q)}",
            "    a: |",
            *(f"      - {POINTS[rng.randrange(len(POINTS))]}" for _ in range(rng.randint(2, 5))),
            f"    keywords: [{', '.join(_yaml_text(w) for w in rng.sample(SUBJECTS, 3))}]",
            f"    tags: [t{n % 40}, {kind}]",
        ]
        if first is None:
            lines.append("  - " + body[0].strip())
            lines += body[1:]
        else:
            lines.append(first)
            lines += body
        lines.append("")
    return "\n".join(lines)


PROFILE = """\
candidate:
  name: 김민준
role:
  title: 백엔드 개발자
company:
  name: 예시 주식회사
settings:
  new_per_day: 20
"""


def build(root: Path, cards: int, per_file: int = 10_000, seed: int = 0) -> Path:
    """Write prep.yaml and decks/ with `cards` cards (files of `per_file` cards) under `root`."""
    rng = random.Random(seed)
    root.mkdir(parents=True, exist_ok=True)
    (root / "prep.yaml").write_text(PROFILE, encoding="utf-8")
    decks = root / "decks"
    decks.mkdir(exist_ok=True)
    qs = questions(cards, seed)
    for f, start in enumerate(range(0, cards, per_file)):
        name = f"bank-{f + 1:02d}"
        text = deck_text(name, qs[start : start + per_file], rng, start)
        (decks / f"{name}.yaml").write_text(text, encoding="utf-8")
    return root


def _iso(dt: datetime) -> str:
    u = dt.astimezone(timezone.utc)
    return f"{u.year:04d}-{u.month:02d}-{u.day:02d}T{u:%H:%M:%S}.{u.microsecond:06d}Z"


def history(
    card_ids: Sequence[str], days: int = 60, studied: float = 0.6, seed: int = 0
) -> list[tuple[str, str, int, str, int, str]]:
    """Review rows (uuid, card_id, rating, reviewed_at, duration_ms, source) over `days` days
    ending at EPOCH: a share `studied` of the cards seen, each again at growing gaps."""
    rng = random.Random(seed)
    rows = []
    start = EPOCH - timedelta(days=days)
    for card_id in card_ids:
        if rng.random() >= studied:
            continue
        at = start + timedelta(days=rng.randrange(days), seconds=rng.randrange(8 * 3600))
        gap = 1.0
        while at < EPOCH:
            rating = rng.choices((1, 2, 3, 4), weights=(10, 15, 65, 10))[0]
            rows.append(
                (str(uuidlib.UUID(int=rng.getrandbits(128))), card_id, rating, _iso(at),
                 rng.randrange(4_000, 60_000), "drill")
            )  # fmt: skip
            gap = 1.0 if rating == 1 else gap * (2.5 if rating >= 3 else 1.4)
            at += timedelta(days=gap, seconds=rng.randrange(-3600, 3600))
    rows.sort(key=lambda r: r[3])
    return rows


def add_history(db: Path, card_ids: Sequence[str], days: int = 60, seed: int = 0) -> int:
    """Write a review history into a prep database (reviews and the local grade order)."""
    rows = history(card_ids, days, seed=seed)
    conn = sqlite3.connect(db, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(
            "INSERT INTO reviews (uuid, card_id, rating, reviewed_at, duration_ms, source) "
            "VALUES (?,?,?,?,?,?)",
            rows,
        )
        conn.executemany("INSERT INTO local_grades (uuid) VALUES (?)", [(r[0],) for r in rows])
        conn.execute("COMMIT")
    finally:
        conn.close()
    return len(rows)


def main(argv: list[str] | None = None) -> int:
    import argparse

    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("dir", type=Path)
    p.add_argument("--cards", type=int, default=10_000)
    p.add_argument("--per-file", type=int, default=10_000)
    p.add_argument("--history", action="store_true", help="sync, then add 60 days of reviews")
    args = p.parse_args(argv)
    build(args.dir, args.cards, args.per_file)
    if args.history:
        sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
        from prep import api

        ws = api.open(args.dir)
        ids = [r[0] for r in ws.store.conn.execute("SELECT id FROM cards ORDER BY id")]
        db = ws.files.db_path
        ws.close()
        n = add_history(db, ids)
        from prep.schedule import Scheduler
        from prep.store import Store

        store = Store(db)
        store.rebuild(Scheduler())
        store.close()
        print(f"{args.dir}: {args.cards} cards, {n} reviews")
    else:
        print(f"{args.dir}: {args.cards} cards")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
