"""Checks before a reply goes out: what blocks sending, and what the agent confirms once.

Blocking: an empty reply, a ``{{ placeholder }}`` left in the text, an unfilled
``[[fill-in]]``. Warnings: solving without answering the four resolution questions,
pending/on hold without a promised next update, "attached" with nothing attached,
phrases that blame or argue with the customer. Internal notes skip the two
customer-facing warnings (resolution questions, blame).

Warnings read only the agent's own prose: code blocks, inline code and quoted lines
(``> …``, usually the customer's words) are skipped. The keyword lists are a heuristic
that errs towards staying quiet: the agent's reply language and English both count.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Literal

from helpdesk_tui.compose.phrases import default_blame_phrases
from helpdesk_tui.compose.placeholders import find_fill_ins, find_placeholders, prose_lines

KINDS = ("public_reply", "internal_note")
SOLVING = ("solved", "closed")
WAITING = ("pending", "on_hold")


@dataclass(frozen=True)
class Finding:
    level: Literal["blocking", "warning"]
    code: str
    """Stable identifier: empty, placeholder, fill_in, resolution_incomplete, no_next_update,
    attachment_missing, blame_phrase."""
    message: str
    """One sentence for the UI."""
    line: int | None = None


QUESTIONS = {
    "cause": "what caused the problem",
    "done": "what was done",
    "resolved": "whether it is fully resolved",
    "prevention": "how to keep it from happening again",
}

# Word starts ("caus" finds cause, caused, causing); CJK and Hebrew match anywhere.
RESOLUTION_KEYWORDS: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        "cause": ("caus", "because", "root cause", "due to", "reason", "trigger", "originat",
                  "stemmed from", "resulted from", "came from", "the problem was", "the issue was"),
        "done": ("fix", "chang", "we have", "we've", "we did", "updat", "restor", "replac", "appli",
                 "correct", "rolled back", "deploy", "repair", "reconfigur", "remov", "added",
                 "install", "renew", "refund", "resent", "reset", "clear", "adjust", "migrat",
                 "patch", "done"),
        "resolved": ("resolved", "fully", "remaining", "still", "outstanding", "complete",
                     "no further action", "working again", "back to normal", "nothing left",
                     "left to do", "all set"),
        "prevention": ("prevent", "avoid", "again", "future", "recur", "monitor", "alert",
                       "from now on", "going forward", "won't happen", "will not happen", "safeguard"),
    },
    "ja": {
        "cause": ("原因", "起因", "によるもの", "理由", "ためでした", "ためです", "発端"),
        "done": ("対応", "修正", "変更", "実施", "復旧", "対処", "交換", "設定", "更新", "再起動",
                 "削除", "追加", "適用", "返金", "行いました"),
        "resolved": ("解決", "解消", "完全", "残り", "残って", "引き続き", "完了", "正常",
                     "問題ございません", "問題ありません"),
        "prevention": ("再発", "防止", "今後", "予防", "回避", "防ぐ", "監視", "二度と"),
    },
    "it": {
        "cause": ("causa", "causat", "perché", "poiché", "dovut", "origine", "motivo", "a seguito",
                  "derivav", "provocat"),
        "done": ("corrett", "modificat", "abbiamo", "sostituit", "ripristinat", "aggiornat",
                 "applicat", "intervenut", "fatto", "sistemat", "configurat", "rimoss", "aggiunt",
                 "rimborsat"),
        "resolved": ("risolt", "completamente", "rimane", "rimangono", "ancora", "restano",
                     "del tutto", "definitivamente", "funziona di nuovo", "tutto funziona"),
        "prevention": ("evita", "preven", "di nuovo", "futur", "ripeters", "nuovamente", "ricapit",
                       "monitora", "d'ora in poi"),
    },
    "he": {
        "cause": ("סיבה", "בגלל", "נגרם", "מקור הבעיה", "עקב"),
        "done": ("תיקנו", "שינינו", "ביצענו", "עדכנו", "החלפנו", "שחזרנו", "הגדרנו", "טיפלנו"),
        "resolved": ("נפתר", "במלוא", "עדיין", "נותר", "הושלם", "תקין"),
        "prevention": ("למנוע", "מניעה", "שוב", "בעתיד", "הישנות", "יחזור", "ניטור"),
    },
}

ATTACHMENT_WORDS: dict[str, tuple[str, ...]] = {
    "en": ("attached", "attachment", "attaching", "enclosed"),
    "ja": ("添付",),
    "it": ("allegat", "allego"),
    "he": ("מצורף", "מצורפת", "צירפתי"),
}


def _is_latin(char: str) -> bool:
    return (char.isascii() and char.isalnum()) or ("\u00c0" <= char <= "\u024f")


@lru_cache(maxsize=2048)
def _pattern(keyword: str, whole: bool) -> re.Pattern[str]:
    """Latin keywords match from a word start to the word's end (whole words only when
    ``whole``); CJK and Hebrew keywords match anywhere."""
    body = r"\s+".join(re.escape(part) for part in keyword.casefold().replace("’", "'").split())
    start = r"(?<!\w)" if _is_latin(keyword[0]) else ""
    end = (r"(?!\w)" if whole else r"\w*") if _is_latin(keyword[-1]) else ""
    return re.compile(start + body + end)


def _normalise(line: str) -> str:
    return line.casefold().replace("’", "'").replace("‘", "'")


def _first_hit(lines: Sequence[tuple[int, str]], keywords: Iterable[str], whole: bool) -> tuple[str, int] | None:
    for number, line in lines:
        for keyword in keywords:
            match = _pattern(keyword, whole).search(line) if keyword else None
            if match:
                return match.group(0), number
    return None


def _languages(language: str) -> list[str]:
    primary = language.split("-")[0].lower()
    return [primary, "en"] if primary != "en" else ["en"]


def missing_resolution_questions(text: str, language: str = "en") -> list[str]:
    """Which of the four questions (``QUESTIONS`` keys) the reply does not seem to answer."""
    lines = _own_lines(text)
    missing = []
    for question in QUESTIONS:
        keywords = [k for lang in _languages(language) for k in RESOLUTION_KEYWORDS.get(lang, {}).get(question, ())]
        if _first_hit(lines, keywords, whole=False) is None:
            missing.append(question)
    return missing


def _own_lines(text: str) -> list[tuple[int, str]]:
    return [(n, _normalise(line)) for n, line in prose_lines(text) if not line.lstrip().startswith(">")]


def _and_list(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} or {items[-1]}"


def check_reply(text: str, *, kind: str, new_status: str | None, next_checkpoint: datetime | None,
                attachments: int = 0, language: str = "en",
                blame_phrases: Sequence[str] | None = None) -> list[Finding]:
    """Everything to tell the agent before sending ``text``: blocking findings first, by line.

    ``kind`` is ``public_reply`` or ``internal_note``; ``new_status`` the status set on send
    (None: unchanged); ``blame_phrases`` None means the built-in list.
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")
    if not text.strip():
        return [Finding("blocking", "empty", "The reply is empty: write something before sending.")]
    blocking = [Finding("blocking", "placeholder",
                        f"Line {line} still has the placeholder {{{{ {name} }}}}: fill it in or delete it.", line)
                for name, line in find_placeholders(text)]
    blocking += [Finding("blocking", "fill_in",
                         f"Line {line} has an unfilled section [[{label}]]: write it or delete the marker.", line)
                 for label, line in find_fill_ins(text)]
    blocking.sort(key=lambda f: f.line or 0)

    warnings: list[Finding] = []
    status = (new_status or "").lower().replace(" ", "_") or None
    public = kind == "public_reply"
    lines = _own_lines(text)
    if public and status in SOLVING:
        missing = missing_resolution_questions(text, language)
        if missing:
            warnings.append(Finding("warning", "resolution_incomplete",
                                    f"This reply sets the ticket {status} but does not say "
                                    f"{_and_list([QUESTIONS[q] for q in missing])}."))
    if status in WAITING and next_checkpoint is None:
        warnings.append(Finding("warning", "no_next_update",
                                f"Setting the ticket {status.replace('_', ' ')} without a promised next update: "
                                "set when the customer will hear from us."))
    if attachments <= 0:
        words = [word for words in ATTACHMENT_WORDS.values() for word in words]  # any language counts
        hit = _first_hit(lines, words, whole=False)
        if hit:
            warnings.append(Finding("warning", "attachment_missing",
                                    f"Line {hit[1]} mentions an attachment ({hit[0]!r}) but nothing is attached.",
                                    hit[1]))
    if public:
        phrases = [p.strip() for p in (default_blame_phrases() if blame_phrases is None else blame_phrases)]
        originals = dict(prose_lines(text))
        for number, line in lines:
            for phrase in filter(None, phrases):
                match = _pattern(phrase, True).search(line)
                if match:
                    original = originals[number]
                    said = original[match.start():match.end()] if len(original) == len(line) else phrase
                    warnings.append(Finding("warning", "blame_phrase",
                                            f"Line {number} says {said!r}, which can read as blaming "
                                            "the customer: rephrase it.", number))
    return blocking + warnings


def has_blocking(findings: Iterable[Finding]) -> bool:
    """True when at least one finding stops the reply from being sent."""
    return any(f.level == "blocking" for f in findings)
