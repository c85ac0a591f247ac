"""Chinese text for Wagtail search, as overlapping character pairs.

Neither PostgreSQL's full-text search (the database backend) nor an Elasticsearch without the
`analysis-common`/`smartcn` plugins splits Chinese into words: "电动车充电" is one token and a
search for "充电" finds nothing. Indexing every pair of neighbouring Han characters (the
classic CJK bigram method) and asking for the query's pairs makes any two-character-or-longer
word findable on every backend. Latin words and numbers are kept whole.
"""

from __future__ import annotations

import re

from django.utils.html import strip_tags

HAN = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
RUNS = re.compile(rf"[{HAN}]+|[A-Za-z0-9]+")


def bigrams(text: str) -> list[str]:
    terms = []
    for run in RUNS.findall(strip_tags(text or "")):
        if re.match(rf"[{HAN}]", run):
            terms += [run] if len(run) == 1 else [run[i:i + 2] for i in range(len(run) - 1)]
        else:
            terms.append(run.lower())
    return terms


def search_terms(*texts: str) -> str:
    """What a page's search_text field indexes: the terms of all its texts, space separated."""
    return " ".join(term for text in texts for term in bigrams(text))


def query_terms(query: str) -> str:
    """The user's query as the same terms (every one must match)."""
    return " ".join(dict.fromkeys(bigrams(query)))


def stream_text(stream) -> str:
    """The plain text of a StreamField value (rich text and short text blocks)."""
    if not stream:
        return ""
    parts = []
    for child in stream:
        value = child.value
        source = getattr(value, "source", None)
        if source is not None:
            parts.append(source)
        elif isinstance(value, str):
            parts.append(value)
        elif hasattr(value, "get"):
            parts += [str(v) for k, v in value.items() if k in ("caption", "note", "text", "title")]
    return " ".join(parts)
