"""Preparing text for the FTS5 index and user queries for MATCH.

SQLite's ``unicode61`` tokenizer treats a run of Japanese or Chinese characters as one
token, so 返金 inside 返金をお願いします is never found; ``trigram`` misses two-character
words. We index CJK runs as overlapping bigrams (パスワード → パス スワ ワー ード) and split
queries the same way, as a phrase, so any word of two characters or more is found.
Latin, Hebrew and other scripts are left to ``unicode61`` (with diacritics removed).
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

_CJK = (
    "\u3040-\u30ff"  # Hiragana, Katakana (incl. ー)
    "\u3400-\u4dbf"  # CJK Extension A
    "\u4e00-\u9fff"  # CJK Unified Ideographs
    "\uac00-\ud7af"  # Hangul syllables
    "\uf900-\ufaff"  # CJK compatibility ideographs
    "\u31f0-\u31ff"  # Katakana phonetic extensions
)


# Compiled on first use, not at import: these wide character classes cost ~3.5 ms to compile,
# and `list` / `show` import this module (through the inbox) without ever calling it.
@cache
def _cjk_run() -> re.Pattern[str]:
    return re.compile(f"[{_CJK}]+")


@cache
def _any_wide() -> re.Pattern[str]:
    return re.compile(r"[\u3000-\uffff]")


_TERM = re.compile(r'"([^"]*)"|(\S+)')
# Characters that mean something to FTS5's query syntax; a term keeps only word characters.
_WORDS = re.compile(r"\w+", re.UNICODE)


def _bigrams(run: str) -> str:
    if len(run) == 1:
        return run
    return " ".join(run[i : i + 2] for i in range(len(run) - 1))


def index_text(text: str) -> str:
    """The text to put in an FTS5 column for ``text``."""
    if not text:
        return ""
    if _any_wide().search(text) is None:  # the common case: nothing to split, no width forms
        return text
    text = unicodedata.normalize("NFKC", text)
    return _cjk_run().sub(lambda m: f" {_bigrams(m.group())} ", text)


def match_query(user_query: str, *, prefix_last: bool = True) -> str | None:
    """Turn what the user typed into a safe FTS5 MATCH expression (all terms must match).

    Every term is quoted, so FTS5 operators typed by the user are searched as words.
    The last Latin-script term matches as a prefix so results appear while typing.
    Returns None when nothing searchable is left.
    """
    query = unicodedata.normalize("NFKC", user_query)
    terms: list[str] = []
    for quoted, bare in _TERM.findall(query):
        phrase = quoted or bare
        words: list[str] = []
        for word in _WORDS.findall(phrase):
            words.extend(_split_word(word))
        if words:
            terms.append(" ".join(words))
    if not terms:
        return None
    parts = [f'"{t}"' for t in terms]
    last = terms[-1]
    # Two-letter prefixes ("re*") expand to thousands of terms: 250 ms on a million messages.
    if prefix_last and not _cjk_run().search(last[-1:]) and len(last) >= 3:
        parts[-1] += "*"
    elif prefix_last and _cjk_run().fullmatch(last) and len(last) == 1:
        parts[-1] += "*"  # a lone CJK character: bigrams that start with it
    return " AND ".join(parts)


def prefix_word(user_query: str) -> str | None:
    """The word ``match_query`` matches as a prefix, as the index spells it, when that is sure.

    Only plain ASCII letters and digits are answered (folded to lower case, as unicode61
    does); for anything else (accents, "_", CJK) None, and callers keep the prefix query.
    """
    expr = match_query(user_query)
    if expr is None or not expr.endswith("*"):
        return None
    word = expr[:-2].rsplit('"', 1)[-1].rsplit(" ", 1)[-1]
    return word.lower() if word.isascii() and word.isalnum() else None


def _split_word(word: str) -> list[str]:
    """A query word becomes tokens as the indexer would see them."""
    out: list[str] = []
    pos = 0
    for m in _cjk_run().finditer(word):
        if m.start() > pos:
            out.append(word[pos : m.start()])
        out.extend(_bigrams(m.group()).split(" "))
        pos = m.end()
    if pos < len(word):
        out.append(word[pos:])
    return [w.replace('"', "") for w in out if w]


def only_common_words(user_query: str) -> bool:
    """True when every word is a stopword ("the", "and"): ranking them says nothing."""
    words = [w.casefold() for w in _WORDS.findall(unicodedata.normalize("NFKC", user_query))]
    return bool(words) and all(w in _STOPWORDS for w in words)


def query_terms(user_query: str) -> list[str]:
    """The plain words of a query, for highlighting snippets (not for MATCH)."""
    query = unicodedata.normalize("NFKC", user_query)
    return [w for w in _WORDS.findall(query) if w]


_STOPWORDS = frozenset("""
a about after again all also am an and any are as at be been before but by can could did do does
doesn for from get got had has have hello hi how i if in into is it its just me my no not now of on
or our out please so some than thank thanks that the their them then there these they this to too
up us was we were what when where which while who why will with would you your yes
il lo la le gli un una di da in con su per tra fra che non ho ha sono è e o ma mi ci si
""".split())


def any_of_query(text: str, *, max_terms: int = 10) -> str | None:
    """An OR query of the telling words of ``text`` (for "articles like this ticket").

    Short and common words are dropped; longer words are kept first, as they say more.
    """
    text = unicodedata.normalize("NFKC", text)
    seen: dict[str, None] = {}
    for word in _WORDS.findall(text.casefold()):
        for token in _split_word(word):
            cjk = bool(_cjk_run().match(token))
            if (cjk and len(token) == 2) or (not cjk and len(token) >= 3 and token not in _STOPWORDS
                                             and not token.isdigit()):
                seen.setdefault(token, None)
    if not seen:
        return None
    ranked = sorted(seen, key=lambda t: -len(t) if not _cjk_run().match(t) else -4)[:max_terms]
    return " OR ".join(f'"{t}"' for t in ranked)
