"""Template files: the built-ins, the front-matter header, user templates and the fuzzy picker."""

from __future__ import annotations

import re
from datetime import UTC, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from helpdesk_tui.compose.checks import check_reply
from helpdesk_tui.compose.errors import TemplateError
from helpdesk_tui.compose.placeholders import find_fill_ins, find_placeholders
from helpdesk_tui.compose.render import build_context, render_template
from helpdesk_tui.compose.templates import (
    Template, load_templates, parse_template, rank_templates, resolve_template,
)
from helpdesk_tui.domain.checkpoint import parse_checkpoint
from helpdesk_tui.domain.vocab import Status

from tests.factories import NOW, Builder

b = Builder()
KINDS = ("acknowledgement", "progress-update", "resolution-report", "options", "ownership-apology",
         "request-information", "closing-survey")
LANGUAGES = ("en", "ja", "it")
BUILTINS = {t.id: t for t in load_templates(None).templates}
USES_CHECKPOINT = {"acknowledgement", "progress-update", "options", "ownership-apology", "request-information"}


def _customer(language: str):
    org = b.org("株式会社アクメ" if language == "ja" else "ACME Hosting")
    name = {"en": "Emma Clarke", "ja": "田中 愛子", "it": "Giulia Rossi"}[language]
    return b.customer(name, org=org, language=language, email="c@example.com"), org


def _context(language: str, *, with_checkpoint: bool, survey: bool = False):
    customer, org = _customer(language)
    ticket = b.ticket("Site down / サイトが表示されません", customer=customer,
                      next_checkpoint_at=NOW + timedelta(hours=4) if with_checkpoint else None)
    extra = {"survey_url": "https://survey.example/abc"} if survey else None
    return build_context(ticket=ticket, customer=customer, organization=org, agent_name="Dana Smith",
                         now=NOW, tz=ZoneInfo("Europe/Rome"), extra=extra)


# --- the built-ins

def test_builtins_load_without_failures_in_three_languages():
    result = load_templates(None)
    assert result.failed == []
    assert {f"{lang}/{kind}" for lang in LANGUAGES for kind in KINDS} <= {t.id for t in result.templates}


@pytest.mark.parametrize("template_id", sorted(BUILTINS))
def test_builtin_header_is_complete_and_valid(template_id):
    template = BUILTINS[template_id]
    assert template.source == "builtin"
    assert template.language == template_id.split("/")[0]
    assert template.name and template.description and template.tags
    assert template.default_status in {s.value for s in Status}
    if template.default_checkpoint:
        assert parse_checkpoint(template.default_checkpoint, NOW, UTC) > NOW
    kind = template_id.split("/")[1]
    assert (template.default_checkpoint is not None) == (kind in USES_CHECKPOINT)


@pytest.mark.parametrize("customer_language", ["en", "ja"])
@pytest.mark.parametrize("template_id", sorted(BUILTINS))
def test_every_builtin_renders_for_english_and_japanese_customers(template_id, customer_language):
    context = _context(customer_language, with_checkpoint=True)
    result = render_template(BUILTINS[template_id].body, context)
    assert result.unresolved == []
    assert find_placeholders(result.text) == []
    assert "{%" not in result.text and "None" not in result.text
    assert "Dana Smith" in result.text
    assert str(context["ticket"]["number"]) in result.text


@pytest.mark.parametrize("template_id", sorted(BUILTINS))
def test_without_a_promise_only_the_checkpoint_is_reported(template_id):
    result = render_template(BUILTINS[template_id].body, _context("en", with_checkpoint=False))
    names = {name for name, _ in result.unresolved}
    expected = {"ticket.next_checkpoint"} if template_id.split("/")[1] in USES_CHECKPOINT else set()
    assert names == expected
    for _name, line in result.unresolved:
        assert "{{ ticket.next_checkpoint }}" in BUILTINS[template_id].body.splitlines()[line - 1]


@pytest.mark.parametrize("language", LANGUAGES)
def test_japanese_templates_address_the_customer_by_full_name_and_company(language):
    text = render_template(BUILTINS[f"{language}/acknowledgement"].body,
                           _context(language, with_checkpoint=True)).text
    if language == "ja":
        assert text.startswith("株式会社アクメ\n田中 愛子様\n")
        assert "11月20日(金) 14:30 (CET)" in text
    elif language == "en":
        assert text.startswith("Hi Emma,")
        assert "Friday 20 November, 14:30 CET" in text
    else:
        assert text.startswith("Gentile Giulia Rossi,")
        assert "venerdì 20 novembre, ore 14:30 (CET)" in text


@pytest.mark.parametrize("language", LANGUAGES)
def test_closing_shows_the_survey_link_only_when_there_is_one(language):
    body = BUILTINS[f"{language}/closing-survey"].body
    with_link = render_template(body, _context(language, with_checkpoint=False, survey=True))
    without = render_template(body, _context(language, with_checkpoint=False))
    assert "https://survey.example/abc" in with_link.text
    assert "https://" not in without.text and without.unresolved == []
    assert "\n\n\n" not in without.text


@pytest.mark.parametrize("language", LANGUAGES)
def test_resolution_report_asks_the_four_questions_as_fill_ins(language):
    template = BUILTINS[f"{language}/resolution-report"]
    text = render_template(template.body, _context(language, with_checkpoint=False)).text
    assert len(find_fill_ins(text)) == 4
    assert template.default_status == "solved"


@pytest.mark.parametrize("template_id", sorted(BUILTINS))
def test_builtins_never_blame_the_customer(template_id):
    language = template_id.split("/")[0]
    text = render_template(BUILTINS[template_id].body, _context(language, with_checkpoint=True)).text
    findings = check_reply(text, kind="public_reply", new_status=None, next_checkpoint=None, language=language)
    assert [f for f in findings if f.code in ("blame_phrase", "attachment_missing")] == []


_FILLED = {
    "en": ["A certificate renewal job failed silently, so the certificate expired.",
           "We renewed the certificate and fixed the renewal job.",
           "Yes, it is fully resolved; nothing is left to do on your side.",
           "We now alert on certificates 14 days before expiry, so this will not happen again."],
    "ja": ["証明書の自動更新処理が失敗していたことが原因でした。",
           "証明書を更新し、自動更新処理を修正しました。",
           "問題は完全に解消しております。",
           "今後は期限の14日前に監視で検知し、再発を防止します。"],
    "it": ["Il problema era dovuto al rinnovo automatico del certificato, che non era partito.",
           "Abbiamo rinnovato il certificato e corretto la procedura di rinnovo.",
           "Sì, il problema è risolto del tutto.",
           "Ora un avviso ci segnala i certificati in scadenza, per evitare che si ripeta."],
}


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_filled_resolution_report_passes_every_check(language):
    template = BUILTINS[f"{language}/resolution-report"]
    text = render_template(template.body, _context(language, with_checkpoint=False)).text
    answers = iter(_FILLED[language])
    text = re.sub(r"\[\[[^\]]+\]\]", lambda _: next(answers), text)
    assert check_reply(text, kind="public_reply", new_status="solved", next_checkpoint=None,
                       language=language) == []


# --- the header

VALID = "---\nname: Greeting\ndescription: Say hi\nlanguage: en\ntags: hello, first\n---\nHi {{ customer.name }}\n"


def test_parse_template_reads_the_header_and_body():
    template = parse_template(VALID, "/home/me/t/greeting.md")
    assert template == Template(name="Greeting", description="Say hi", language="en", tags=("hello", "first"),
                                body="Hi {{ customer.name }}\n", default_status=None, default_checkpoint=None,
                                source="/home/me/t/greeting.md", id="en/greeting", body_line=7)


def test_header_accepts_comments_quotes_bracketed_tags_and_status_spelling():
    text = ('---\n# my template\nname: "On hold: waiting for vendor"\nlanguage: pt-BR\n'
            'tags: [vendor, "hold"]\nstatus: On hold\ncheckpoint: tomorrow 10:00\n---\n\n\nBody\n')
    template = parse_template(text, "x.md", id="mine/hold")
    assert template.name == "On hold: waiting for vendor"
    assert template.language == "pt-br" and template.tags == ("vendor", "hold")
    assert template.default_status == "on_hold" and template.default_checkpoint == "tomorrow 10:00"
    assert template.body == "Body\n" and template.body_line == 11 and template.id == "mine/hold"


@pytest.mark.parametrize("text, line, fragment", [
    ("Hi there\n", 1, "must start with a '---' line"),
    ("---\nname: X\nlanguage: en\nHi\n", 4, "expected 'key: value'"),
    ("---\nname: X\nlanguage: en\n", 3, "not closed"),
    ("---\nname: X\nlang: en\n---\nHi\n", 3, "unknown header key 'lang'"),
    ("---\nname: X\nname: Y\nlanguage: en\n---\nHi\n", 3, "appears twice"),
    ("---\nlanguage: en\n---\nHi\n", 3, "needs a 'name:' line"),
    ("---\nname: X\n---\nHi\n", 3, "needs a 'language:' line"),
    ("---\nname: X\nlanguage: English\n---\nHi\n", 3, "not a language code"),
    ("---\nname: X\nlanguage: en\nstatus: done\n---\nHi\n", 4, "not a status"),
    ("---\nname: X\nlanguage: en\ncheckpoint: later\n---\nHi\n", 4, "Cannot read 'later'"),
    ("---\nname: X\nlanguage: en\n---\n\n", 4, "no text after its header"),
    ("---\nname: X\nlanguage: en\n---\nok\n\n{{ customer.name | shout }}\n", 7, "no filter 'shout'"),
    ("---\nname: X\nlanguage: en\n---\n{% for x in y %}{% endfor %}\n", 5, "loops"),
])
def test_header_errors_name_the_file_and_line(text, line, fragment):
    with pytest.raises(TemplateError) as raised:
        parse_template(text, "/home/me/templates/x.md")
    message = str(raised.value)
    assert message.startswith(f"/home/me/templates/x.md, line {line}: ")
    assert fragment in message and message.endswith(".")


def test_builtin_errors_name_the_template_id():
    with pytest.raises(TemplateError, match=r"^en/x, line 1: "):
        parse_template("oops", "builtin", id="en/x")


# --- user templates

def test_user_template_with_a_builtin_id_replaces_it(tmp_path: Path):
    (tmp_path / "en").mkdir()
    (tmp_path / "en" / "acknowledgement.md").write_text(VALID.replace("Greeting", "Our own ack"), encoding="utf-8")
    result = load_templates(tmp_path)
    by_id = {t.id: t for t in result.templates}
    assert by_id["en/acknowledgement"].name == "Our own ack"
    assert by_id["en/acknowledgement"].source == str(tmp_path / "en" / "acknowledgement.md")
    assert len(result.templates) == len(BUILTINS)


def test_a_broken_user_file_is_reported_and_the_rest_still_load(tmp_path: Path):
    (tmp_path / "good.md").write_text(VALID, encoding="utf-8")
    (tmp_path / "bad.md").write_text("no header here\n", encoding="utf-8")
    (tmp_path / "latin1.md").write_bytes("---\nname: Caffè\n".encode("latin-1"))
    (tmp_path / "notes.txt").write_text("not a template", encoding="utf-8")
    result = load_templates(tmp_path)
    ids = {t.id for t in result.templates}
    assert "good" in ids and "bad" not in ids
    failed = dict(result.failed)
    assert set(failed) == {str(tmp_path / "bad.md"), str(tmp_path / "latin1.md")}
    assert "must start with a '---' line" in failed[str(tmp_path / "bad.md")]
    assert "UTF-8" in failed[str(tmp_path / "latin1.md")]


def test_a_missing_user_folder_is_not_an_error(tmp_path: Path):
    result = load_templates(tmp_path / "nowhere")
    assert result.failed == [] and len(result.templates) == len(BUILTINS)


# --- the picker

ALL = list(BUILTINS.values())


def ids(templates, n=3):
    return [t.id for t in templates[:n]]


def test_empty_query_lists_everything_the_customers_language_first():
    ranked = rank_templates(ALL, "", "ja")
    assert len(ranked) == len(ALL)
    assert {t.language for t in ranked[:len(KINDS)]} == {"ja"}
    assert {t.language for t in rank_templates(ALL, "", "it-IT")[:len(KINDS)]} == {"it"}


def test_query_prefers_the_customers_language_among_equal_matches():
    assert ids(rank_templates(ALL, "ack", "ja")) == ["ja/acknowledgement", "en/acknowledgement", "it/acknowledgement"]
    assert ids(rank_templates(ALL, "ack", "en")) == ["en/acknowledgement", "it/acknowledgement", "ja/acknowledgement"]
    assert ids(rank_templates(ALL, "apology", "it"), 1) == ["it/ownership-apology"]


def test_query_matches_word_starts_subsequences_and_every_word():
    assert ids(rank_templates(ALL, "resol rep", "en"), 1) == ["en/resolution-report"]
    assert ids(rank_templates(ALL, "rqinfo", "en"), 1) == ["en/request-information"]
    assert ids(rank_templates(ALL, "survey", "en"), 1) == ["en/closing-survey"]
    assert rank_templates(ALL, "survey zebra", "en") == []


def test_query_in_japanese_finds_japanese_templates():
    assert ids(rank_templates(ALL, "お詫び", "en"), 1) == ["ja/ownership-apology"]
    assert ids(rank_templates(ALL, "解決", "ja"), 1) == ["ja/resolution-report"]


def test_name_matches_rank_above_description_matches():
    mine = parse_template("---\nname: Refund\ndescription: money back\nlanguage: en\n---\nx\n", "a.md", id="a")
    other = parse_template("---\nname: Billing\ndescription: refund questions\nlanguage: en\n---\nx\n", "b.md", id="b")
    assert ids(rank_templates([other, mine], "refund", "en"), 2) == ["a", "b"]


def test_resolve_template_by_id_file_name_or_name():
    assert resolve_template(ALL, "it/options").id == "it/options"
    assert resolve_template(ALL, "acknowledgement", "ja").id == "ja/acknowledgement"
    assert resolve_template(ALL, "Resolution report").id == "en/resolution-report"
    with pytest.raises(TemplateError, match=r"no template 'acknowledgment': did you mean en/acknowledgement"):
        resolve_template(ALL, "acknowledgment")
