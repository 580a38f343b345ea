"""Which spellings of a link are one link: pairs that must match, and pairs that must not."""

import pytest

from curation.urls_normalisation import arxiv_key, link_key

SAME = [
    ("http://example.com/post", "https://example.com/post"),
    ("https://www.example.com/post", "https://example.com/post"),
    ("https://example.com/post/", "https://example.com/post"),
    ("https://example.com/post#comments", "https://example.com/post"),
    ("https://EXAMPLE.com/post", "https://example.com/post"),
    ("https://example.com:443/post", "https://example.com/post"),
    ("http://example.com:80/post", "https://example.com/post"),
    ("https://example.com/post?utm_source=x&utm_medium=email", "https://example.com/post"),
    ("https://example.com/post?UTM_Campaign=spring", "https://example.com/post"),
    ("https://example.com/post?fbclid=abc", "https://example.com/post"),
    ("https://example.com/post?gclid=1&msclkid=2", "https://example.com/post"),
    ("https://example.com/post?ref=hn", "https://example.com/post"),
    ("https://example.com/post?mc_cid=1&mc_eid=2", "https://example.com/post"),
    ("https://example.com/?a=1&b=2", "https://example.com/?b=2&a=1"),
    ("https://example.com/post?id=7&utm_source=x", "https://example.com/post?id=7"),
    ("  https://example.com/post  ", "https://example.com/post"),
    ("https://example.com", "https://example.com/"),
    ("https://example.com.//post", "https://example.com/post"),
    ("https://arxiv.org/abs/2201.12086", "https://arxiv.org/pdf/2201.12086v2.pdf"),
    ("http://arxiv.org/abs/2201.12086v1", "https://www.arxiv.org/abs/2201.12086"),
    ("https://arxiv.org/html/2201.12086v3", "arXiv:2201.12086"),
    ("https://export.arxiv.org/abs/hep-th/9901001v2", "hep-th/9901001"),
    ("https://arxiv.org/pdf/2201.12086", "https://arxiv.org/abs/2201.12086?context=cs"),
]

DIFFERENT = [
    ("https://example.com/post", "https://example.com/post2"),
    ("https://example.com/Post", "https://example.com/post"),
    ("https://example.com/post", "https://example.org/post"),
    ("https://blog.example.com/post", "https://example.com/post"),
    ("https://example.com/post?id=7", "https://example.com/post?id=8"),
    ("https://example.com/post?page=2", "https://example.com/post"),
    ("https://example.com:8080/post", "https://example.com/post"),
    ("https://example.com/watch?v=abc", "https://example.com/watch?v=abd"),
    ("https://arxiv.org/abs/2201.12086", "https://arxiv.org/abs/2201.12087"),
    ("https://arxiv.org/abs/2201.12086", "https://example.com/abs/2201.12086"),
    ("https://arxiv.org/list/cs.LG/recent", "https://arxiv.org/list/cs.CL/recent"),
    ("mailto:a@example.com", "mailto:b@example.com"),
]


@pytest.mark.parametrize(("one", "other"), SAME)
def test_spellings_of_one_link_have_one_key(one, other):
    assert link_key(one) == link_key(other)
    assert link_key(one)


@pytest.mark.parametrize(("one", "other"), DIFFERENT)
def test_different_links_have_different_keys(one, other):
    assert link_key(one) != link_key(other)


def test_a_papers_arxiv_id_and_its_links_share_a_key():
    assert (
        arxiv_key("2201.12086v2")
        == link_key("https://arxiv.org/abs/2201.12086")
        == ("arxiv:2201.12086")
    )
    assert arxiv_key("not an id") == ""
    assert link_key("") == ""
