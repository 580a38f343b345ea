"""Create published issues of realistic size for the load benchmarks.

Text comes from a 4,000-word vocabulary, drawn with Zipf-like frequencies by a seeded random
generator, so every run writes the same issues. Bench issue k has the slug `bench-issue-k`;
existing ones are skipped, new ones take the next free issue numbers, so the command is
idempotent.

Each issue has four sections, twenty items and three papers, half of the items with a
picture (the demo's pictures and their renditions, reused). The working copies are written
with bulk inserts; each issue then goes through the real workflow (submit freezes it with
`build_snapshot` and indexes it for search, approve, publish), so pages and search are
what an editor's issue would give. That part is mostly Python (markdown) and runs in
`--jobs` processes, each with its own database connection.

Afterwards the database is settled: VACUUM (ANALYZE), so that what measures the archive
next does not share the machine with autovacuum working through it, and plans are made
with statistics of the archive rather than of the empty tables the load began with.
"""

import multiprocessing
import random
import time

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, connections, transaction

from demo import content as demo_content
from demo.publication import walk_to_publication
from newsletter.models import STANDARD_SECTIONS, Image, Issue, Item, Paper, Section

SLUG_PREFIX = "bench-issue-"
ROLES = ("editor", "reviewer", "publisher")
ITEMS_PER_SECTION = (6, 8, 2, 4)  # twenty items
PAPERS = 3
CHUNK = 20  # issues a process takes at a time

# The vocabulary, most frequent first: function words, then the field's words, then a
# long tail of made-up words built from syllables. Word k is drawn with a weight of
# 1 / (k + 2.7) (Zipf-Mandelbrot), as words are in real text: a few are everywhere, most
# are rare, so a search for two words matches about as much as it would in a real archive.
_FUNCTION_WORDS = """
the of and to a in is that for it with as on be by this are we from at an or not but
which can more than when how its our one all new into also about what each other only
some these two
"""
_WORDS = """
model models data dataset training inference gradient loss attention layer layers token
tokens embedding embeddings transformer diffusion encoder decoder benchmark evaluation
accuracy latency memory compute GPU batch learning rate schedule optimiser weights
parameters fine-tuning adapter retrieval search context window prompt agent policy reward
feedback label labels noise signal sample samples distribution scaling law small large
simple careful robust fast cheap open paper result results idea ideas method baseline
experiment ablation error errors bias variance regularisation dropout convolution vision
language speech audio video image images graph tabular forecast cluster feature features
"""
_NAMES = """
Ada Alan Grace Edsger Barbara Donald Frances Geoffrey Yoshua Fei-Fei Andrew Daphne Judea
Cynthia Leslie Radia Shafi Silvio Tim Vint Whitfield Margaret Katherine Hedy Mary Claude
"""
_SURNAMES = """
Lovelace Turing Hopper Dijkstra Liskov Knuth Allen Hinton Bengio Li Ng Koller Pearl Dwork
Lamport Perlman Goldwasser Micali Berners-Lee Cerf Diffie Hamilton Johnson Lamarr Shannon
"""
VOCABULARY_SIZE = 4000
SURNAME_COUNT = 600
ZIPF_OFFSET = 2.7
_SYLLABLES = """
b br c d dr f g gr h k l m n p pr r s st t tr v w
a e i o u a e i o ai ea ou
"""
_ONSETS, _VOWELS = (line.split() for line in _SYLLABLES.strip().splitlines())
_CODAS = ["", "", "", "", "", "n", "r", "s", "l", "m", "t", "nd", "st"]


def _made_up_words(count: int, taken: set[str], seed: str, syllables=(2, 2, 3)) -> list[str]:
    """`count` distinct pronounceable non-words, the same every run."""
    rng = random.Random(seed)
    made = []
    while len(made) < count:
        word = "".join(
            rng.choice(_ONSETS) + rng.choice(_VOWELS) + rng.choice(_CODAS)
            for _ in range(rng.choice(syllables))
        )
        if len(word) >= 4 and word not in taken:
            taken.add(word)
            made.append(word)
    return made


def _zipf_cumulative(count: int) -> list[float]:
    total, cumulative = 0.0, []
    for rank in range(1, count + 1):
        total += 1 / (rank + ZIPF_OFFSET)
        cumulative.append(total)
    return cumulative


_KNOWN = _FUNCTION_WORDS.split() + _WORDS.split()
WORDS = _KNOWN + _made_up_words(VOCABULARY_SIZE - len(_KNOWN), set(_KNOWN), "bench words")
WORD_WEIGHTS = _zipf_cumulative(len(WORDS))
STOP_WORDS = frozenset(_FUNCTION_WORDS.split())
NAMES = _NAMES.split()
_FAMOUS = _SURNAMES.split()
SURNAMES = _FAMOUS + [
    word.capitalize()
    for word in _made_up_words(SURNAME_COUNT - len(_FAMOUS), set(WORDS), "bench surnames")
]
SURNAME_WEIGHTS = _zipf_cumulative(len(SURNAMES))


def demo_pictures() -> list[Image]:
    """The pictures seed_demo loaded, hero first, so bench pages carry images too."""
    alts = [meta["alt_text"] for meta in demo_content.IMAGES.values()]
    found = {image.alt_text: image for image in Image.objects.filter(alt_text__in=alts)}
    return [found[alt] for alt in alts if alt in found]


class Writer:
    """Plausible-looking, deterministic filler text of realistic length."""

    def __init__(self, seed: int):
        self.rng = random.Random(seed)

    def words(self, low: int, high: int) -> str:
        count = self.rng.randint(low, high)
        return " ".join(self.rng.choices(WORDS, cum_weights=WORD_WEIGHTS, k=count))

    def title(self) -> str:
        return self.words(3, 8).capitalize()

    def sentence(self) -> str:
        text = self.words(8, 22)
        if self.rng.random() < 0.2:
            head, _, tail = text.partition(" ")
            text = f"{head} **{tail}**" if tail else text
        return text.capitalize() + "."

    def paragraph(self) -> str:
        return " ".join(self.sentence() for _ in range(self.rng.randint(3, 6)))

    def markdown(self, paragraphs: int = 2) -> str:
        parts = [self.paragraph() for _ in range(paragraphs)]
        roll = self.rng.random()
        if roll < 0.3:
            parts.insert(1, "\n".join(f"- {self.words(4, 10)}" for _ in range(3)))
        elif roll < 0.45:
            parts.append(f"```python\nresult = {self.words(1, 1)}(batch, steps=100)\n```")
        if self.rng.random() < 0.5:
            parts.append(
                f"More in [the write-up](https://example.com/{self.rng.randrange(10**6)})."
            )
        return "\n\n".join(parts)

    def authors(self) -> str:
        count = self.rng.randint(2, 7)
        surnames = self.rng.choices(SURNAMES, cum_weights=SURNAME_WEIGHTS, k=count)
        return ", ".join(f"{self.rng.choice(NAMES)} {surname}" for surname in surnames)

    def arxiv_id(self) -> str:
        year, month = self.rng.randint(17, 25), self.rng.randint(1, 12)
        return f"{year:02d}{month:02d}.{self.rng.randrange(100000):05d}"


def create_bench_issue(index: int, number: int, *, by, pictures: list[Image]) -> Issue:
    write = Writer(seed=index)
    issue = Issue.objects.create(
        number=number,
        title=write.title(),
        slug=f"{SLUG_PREFIX}{index}",
        summary=write.markdown(1),
        hero_image=pictures[0] if pictures else None,
        created_by=by,
        updated_by=by,
    )
    sections = Section.objects.bulk_create(
        Section(issue=issue, title=title, intro=write.paragraph(), position=position)
        for position, title in enumerate(STANDARD_SECTIONS)
    )
    items = []
    for section, count in zip(sections, ITEMS_PER_SECTION, strict=True):
        for position in range(count):
            items.append(
                Item(
                    section=section,
                    title=write.title(),
                    url=f"https://example.com/articles/{index}-{section.position}-{position}",
                    source=write.words(1, 2).title(),
                    body=write.markdown(write.rng.randint(2, 3)),
                    image=pictures[1 + (section.position + position) % (len(pictures) - 1)]
                    if len(pictures) > 1 and position % 2 == 0
                    else None,
                    position=position,
                )
            )
    Item.objects.bulk_create(items)
    papers = []
    for position in range(PAPERS):
        arxiv_id = write.arxiv_id()
        papers.append(
            Paper(
                section=sections[2],
                title=write.title(),
                authors=write.authors(),
                arxiv_id=arxiv_id,
                paper_url=f"https://arxiv.org/abs/{arxiv_id}",
                code_url=f"https://example.com/code/{arxiv_id}",
                summary=write.markdown(2),
                position=position,
            )
        )
    Paper.objects.bulk_create(papers)
    return issue


def publish_chunk(plan: list[tuple[int, int]]) -> int:
    """Create and publish bench issues `(index, number)`, each in one transaction.

    An issue commits alone: from its search rows on, a publishing transaction holds the
    publication state's row (the trigger that bumps its generation), so the `--jobs`
    processes take turns there, and a transaction of many issues would keep the others
    waiting for all of them. Each transition runs in its own savepoint, as `perform` does
    when called inside a transaction. The commit does not wait for its flush to disk
    (synchronous_commit off for these transactions only): a crash can lose the last
    issues made, never half of one, and running the command again makes what is missing.
    """
    users = {u.username: u for u in get_user_model().objects.filter(username__in=ROLES)}
    pictures = demo_pictures()
    for index, number in plan:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit = off")
            issue = create_bench_issue(index, number, by=users["editor"], pictures=pictures)
            walk_to_publication(
                issue,
                editor=users["editor"],
                reviewer=users["reviewer"],
                publisher=users["publisher"],
            )
    return len(plan)


def publish_chunk_in_a_process(plan: list[tuple[int, int]]) -> int:
    try:
        return publish_chunk(plan)
    finally:
        connections.close_all()


class Command(BaseCommand):
    help = "Create published bench issues of realistic size (idempotent: existing ones are kept)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--issues", type=int, default=50, help="How many bench issues should exist."
        )
        parser.add_argument(
            "--jobs", type=int, default=2, help="Processes building issues at once (2)."
        )

    def handle(self, *args, issues: int, jobs: int, verbosity=1, **options):
        started = time.monotonic()
        existing = set(
            Issue.objects.filter(slug__startswith=SLUG_PREFIX).values_list("slug", flat=True)
        )
        missing = [k for k in range(1, issues + 1) if f"{SLUG_PREFIX}{k}" not in existing]
        users = {u.username: u for u in get_user_model().objects.filter(username__in=ROLES)}
        if len(users) < len(ROLES):
            raise CommandError(
                "Run `manage.py seed_demo` first: bench issues are published by the demo users."
            )
        first = Issue.next_number()
        plan = [(index, first + offset) for offset, index in enumerate(missing)]
        chunks = [plan[start : start + CHUNK] for start in range(0, len(plan), CHUNK)]
        if jobs > 1 and len(chunks) > 1:
            connections.close_all()  # the processes each open their own
            with multiprocessing.get_context("fork").Pool(jobs) as pool:
                done = 0
                for count in pool.imap_unordered(publish_chunk_in_a_process, chunks):
                    done += count
                    if verbosity >= 2:
                        self.stdout.write(f"{done}/{len(plan)}")
        else:
            for chunk in chunks:
                publish_chunk(chunk)
        built = time.monotonic()
        settled = settle() if missing else None
        if verbosity >= 1:
            self.stdout.write(
                f"Bench issues: {issues - len(missing)} already present, {len(missing)} "
                f"created and published in {built - started:.1f} s"
                + ("" if settled is None else f", vacuumed and analysed in {settled:.1f} s")
                + f": {time.monotonic() - started:.1f} s."
            )


def settle() -> float | None:
    """VACUUM (ANALYZE) the database, as autovacuum would over the next minutes; its seconds.

    None inside a transaction (a test's), where PostgreSQL does not run VACUUM.
    """
    if connection.in_atomic_block:
        return None
    started = time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")
    return time.monotonic() - started
