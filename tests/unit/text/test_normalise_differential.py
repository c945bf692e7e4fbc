"""Differential test: on real articles, the forms, tokens and offsets equal what chaining the camel-tools
functions gives (``khabar.text.reference``)."""

from __future__ import annotations

import pytest

from khabar.text.normalise import normalise_document
from khabar.text.reference import mismatches

# Every 20th article of the 31,030 (about 1,550, from every day of the corpus); the bench checks 1,000 more.
STRIDE = 20


@pytest.mark.slow
def test_saudinewsnet_articles_equal_the_camel_tools_chain(saudinewsnet):
    sample = saudinewsnet[::STRIDE]
    failures = {}
    for i, text in enumerate(sample):
        problems = mismatches(text, normalise_document(text))
        if problems:
            failures[i * STRIDE] = problems[:3]
    assert not failures, f"{len(failures)} of {len(sample)} articles differ, e.g. {next(iter(failures.items()))}"


def test_saudinewsnet_boilerplate_is_removed_and_listed(saudinewsnet):
    """Prompts found in the corpus are removed with their kind, and never a line of real text."""
    kinds: dict[str, int] = {}
    for text in saudinewsnet[::STRIDE]:
        for r in normalise_document(text).removed:
            kinds[r.kind] = kinds.get(r.kind, 0) + 1
            if r.kind in ("read_also", "see_also", "more", "share_prompt"):
                assert r.text.count(" ") < 30
    assert kinds  # the corpus has repeats and prompts
