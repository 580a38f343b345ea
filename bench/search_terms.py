"""What `search.lua` asks: words by their frequency in the bench text, phrases, names, ids.

`write(path)` writes one term a line, `kind<TAB>weight<TAB>text`, read by every wrk
thread: `w` a word of the bench vocabulary with its Zipf weight (function words left
out: nobody searches for "the"), `p` two neighbouring words of a bench title, `s` an
author's surname with its weight, `a` an arXiv id of a bench paper. search.lua draws a
query from them for every request, so queries are as varied as readers' and no two
requests are the same address (see search.lua).
"""

from pathlib import Path

PHRASES = 2000
ARXIV_IDS = 1000


def _weights(cumulative: list[float]) -> list[float]:
    return [high - low for low, high in zip([0.0, *cumulative], cumulative, strict=False)]


def write(path: Path) -> int:
    """Write the terms to `path`; returns how many."""
    from demo.management.commands.generate_bench_data import (
        SLUG_PREFIX,
        STOP_WORDS,
        SURNAME_WEIGHTS,
        SURNAMES,
        WORD_WEIGHTS,
        WORDS,
    )
    from newsletter.models import Item, Paper

    lines = [
        f"w\t{weight:.8f}\t{word}"
        for word, weight in zip(WORDS, _weights(WORD_WEIGHTS), strict=True)
        if word not in STOP_WORDS
    ]
    lines += [
        f"s\t{weight:.8f}\t{surname}"
        for surname, weight in zip(SURNAMES, _weights(SURNAME_WEIGHTS), strict=True)
    ]
    bench = {"section__issue__slug__startswith": SLUG_PREFIX}
    phrases = set()
    for title in Item.objects.filter(**bench).order_by("pk").values_list("title", flat=True):
        words = [w for w in title.lower().split() if w not in STOP_WORDS]
        phrases.update(f"{a} {b}" for a, b in zip(words, words[1:], strict=False))
        if len(phrases) >= PHRASES:
            break
    lines += [f"p\t1\t{phrase}" for phrase in sorted(phrases)]
    ids = Paper.objects.filter(**bench).order_by("pk").values_list("arxiv_id", flat=True)
    lines += [f"a\t1\t{arxiv_id}" for arxiv_id in ids[:ARXIV_IDS] if arxiv_id]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")
    return len(lines)
