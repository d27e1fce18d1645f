"""Checks before sending: what blocks, what warns, and what stays quiet on a good reply."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from pathlib import Path

import pytest

from helpdesk_tui.compose.checks import Finding, check_reply, has_blocking, missing_resolution_questions
from helpdesk_tui.compose.phrases import default_blame_phrases, load_blame_phrases
from helpdesk_tui.compose.placeholders import find_fill_ins, find_placeholders

LATER = datetime(2026, 11, 21, 10, 0, tzinfo=UTC)

GOOD_REPLY = """Hi Emma,

Thanks for the quick reply. I have renewed the certificate for shop.example and the site loads again.

Best regards,
Dana
"""


def check(text: str, **kw):
    kw.setdefault("kind", "public_reply")
    kw.setdefault("new_status", None)
    kw.setdefault("next_checkpoint", None)
    return check_reply(text, **kw)


def codes(findings):
    return [(f.level, f.code, f.line) for f in findings]


def test_a_good_reply_has_no_findings():
    assert check(GOOD_REPLY) == []
    assert check(GOOD_REPLY, new_status="pending", next_checkpoint=LATER) == []


def test_finding_is_a_frozen_value_with_a_one_sentence_message():
    finding = check("   ")[0]
    assert finding == Finding("blocking", "empty", "The reply is empty: write something before sending.", None)
    with pytest.raises(dataclasses.FrozenInstanceError):
        finding.code = "x"


# --- blocking

@pytest.mark.parametrize("text", ["", "   ", "\n\n\t \n"])
def test_an_empty_reply_blocks_and_nothing_else_is_said(text):
    assert codes(check(text, new_status="solved")) == [("blocking", "empty", None)]


def test_a_placeholder_left_in_the_text_blocks_naming_it_and_its_line():
    findings = check("Hi {{ customer.first_name }},\n\nUpdate by {{ ticket.next_checkpoint }}.")
    assert codes(findings) == [("blocking", "placeholder", 1), ("blocking", "placeholder", 3)]
    assert "{{ customer.first_name }}" in findings[0].message and "Line 1" in findings[0].message
    assert has_blocking(findings)


def test_an_unfilled_fill_in_blocks_naming_its_label_and_line():
    findings = check("Hi,\n\n**Cause**\n[[the cause, in plain words]]\n")
    assert codes(findings) == [("blocking", "fill_in", 4)]
    assert "[[the cause, in plain words]]" in findings[0].message


def test_internal_notes_are_blocked_by_placeholders_and_fill_ins_too():
    findings = check("{{ x }} and [[y]]", kind="internal_note")
    assert codes(findings) == [("blocking", "placeholder", 1), ("blocking", "fill_in", 1)]


def test_placeholders_and_fill_ins_inside_code_do_not_block():
    text = ("Set this in values.yaml:\n\n```yaml\nimage: {{ .Values.image }}\n```\n"
            "and test with `[[ -f /etc/hosts ]]` or:\n~~~\nif [[ -n $X ]]; then echo {{ y }}; fi\n~~~\n")
    assert check(text) == []


def test_blocking_findings_come_first_in_line_order():
    findings = check("[[b]]\n{{ a }}\nas I already said\n", new_status="pending")
    assert [f.level for f in findings] == ["blocking", "blocking", "warning", "warning"]
    assert [f.line for f in findings[:2]] == [1, 2]


# --- resolution questions

def test_solving_without_the_four_answers_warns_and_says_which_are_missing():
    findings = check("Hi,\n\nWe fixed the DNS record, so it should work now.\n", new_status="solved")
    assert codes(findings) == [("warning", "resolution_incomplete", None)]
    message = findings[0].message
    assert "what caused the problem" in message and "whether it is fully resolved" in message
    assert "how to keep it from happening again" in message and "what was done" not in message


GOOD_RESOLUTION = {
    "en": ("The outage was caused by an expired certificate. We renewed it and fixed the renewal job. "
           "Everything is fully resolved. We added monitoring so it cannot happen again."),
    "ja": ("原因は証明書の期限切れでした。証明書を更新し、自動更新の設定を修正しました。"
           "問題は完全に解消しております。今後は監視を追加し、再発を防止いたします。"),
    "it": ("Il problema è stato causato da un certificato scaduto. Abbiamo rinnovato il certificato. "
           "Ora è risolto del tutto. Abbiamo aggiunto un avviso per evitare che si ripeta."),
}


@pytest.mark.parametrize("language", ["en", "ja", "it"])
def test_a_good_resolution_report_passes_the_four_question_check(language):
    assert missing_resolution_questions(GOOD_RESOLUTION[language], language) == []
    assert check(GOOD_RESOLUTION[language], new_status="solved", language=language) == []


def test_resolution_check_in_japanese_finds_what_is_missing():
    missing = missing_resolution_questions("証明書を更新しました。", "ja")
    assert missing == ["cause", "resolved", "prevention"]


def test_english_keywords_count_for_any_reply_language():
    assert missing_resolution_questions(GOOD_RESOLUTION["en"], "ja") == []


def test_quoted_customer_text_does_not_answer_the_questions():
    quoted = "\n".join(f"> {line}" for line in GOOD_RESOLUTION["en"].split(". "))
    assert len(missing_resolution_questions("Thanks!\n\n" + quoted, "en")) == 4


def test_internal_notes_and_other_statuses_skip_the_resolution_check():
    assert check("done", kind="internal_note", new_status="solved") == []
    assert check("done", new_status="open") == []
    assert codes(check("done", new_status="closed"))[0][1] == "resolution_incomplete"


# --- promised next update

@pytest.mark.parametrize("status, shown", [("pending", "pending"), ("on_hold", "on hold"), ("on hold", "on hold")])
def test_waiting_without_a_promised_update_warns(status, shown):
    findings = check(GOOD_REPLY, new_status=status)
    assert codes(findings) == [("warning", "no_next_update", None)]
    assert f"Setting the ticket {shown} without a promised next update" in findings[0].message


def test_waiting_with_a_promise_or_staying_open_does_not_warn():
    assert check(GOOD_REPLY, new_status="on_hold", next_checkpoint=LATER) == []
    assert check(GOOD_REPLY, new_status="open") == []
    assert check(GOOD_REPLY, new_status=None) == []


def test_internal_note_setting_pending_still_needs_a_promise():
    assert codes(check("Waiting for the vendor.", kind="internal_note", new_status="pending")) == [
        ("warning", "no_next_update", None)]


# --- attachments

@pytest.mark.parametrize("text, language, word", [
    ("Hi,\n\nPlease see the attached invoice.", "en", "attached"),
    ("Hi,\n\nThe attachment shows the error.", "en", "attachment"),
    ("田中様\n\n請求書を添付いたします。", "ja", "添付"),
    ("Buongiorno,\n\ntrova la fattura in allegato.", "it", "allegato"),
    ("Buongiorno,\n\nle invio la fattura allegata.", "it", "allegata"),
    ("Hi,\n\nsee the attached file", "it", "attached"),
])
def test_mentioning_an_attachment_with_nothing_attached_warns(text, language, word):
    findings = check(text, language=language)
    assert codes(findings) == [("warning", "attachment_missing", 3)]
    assert repr(word) in findings[0].message


def test_mentioning_an_attachment_with_one_attached_is_fine():
    assert check("Please see the attached invoice.", attachments=1) == []


def test_attachment_words_in_quotes_or_code_do_not_warn():
    assert check("Thanks!\n\n> I attached a screenshot\n\n`attachment_id`") == []


# --- blame

@pytest.mark.parametrize("text, phrase, line", [
    ("Hi,\n\nAs I already said, the DNS needs time.", "As I already said", 3),
    ("Hi,\nYou should have   renewed the domain.", "You should have", 2),
    ("That’s not our fault.", "That’s not our fault", 1),
    ("Please CALM DOWN.", "CALM DOWN", 1),
    ("田中様\n\n先ほども申し上げた通り、DNSの反映には時間がかかります。", "先ほども申し上げた通り", 3),
    ("Gentile cliente,\ncome già detto, serve tempo.", "come già detto", 2),
])
def test_phrases_that_blame_the_customer_warn_quoting_the_text_and_its_line(text, phrase, line):
    findings = check(text)
    assert codes(findings) == [("warning", "blame_phrase", line)]
    assert repr(phrase) in findings[0].message


def test_blame_phrases_match_whole_words_only():
    assert check("The ostensibly obvious fix: we recalmed downstream.") == []


def test_internal_notes_may_be_blunt():
    assert check("Obviously the customer deleted the record.", kind="internal_note") == []


def test_a_custom_phrase_list_replaces_the_default():
    assert codes(check("Obviously fine.", blame_phrases=["per our policy"])) == []
    assert codes(check("Per our policy, no.", blame_phrases=["per our policy"])) == [("warning", "blame_phrase", 1)]


def test_unknown_kind_is_a_programming_error():
    with pytest.raises(ValueError):
        check("hi", kind="email")


# --- the phrase list files

def test_default_phrases_cover_english_japanese_and_italian():
    phrases = default_blame_phrases()
    assert {"as i already said", "you should have", "obviously", "先ほども申し上げた通り",
            "come già detto"} <= set(phrases)
    assert not any(p.startswith("#") for p in phrases)


def test_user_phrase_file_adds_phrases_and_switches_defaults_off(tmp_path: Path):
    user = tmp_path / "blame_phrases.txt"
    user.write_text("# ours\nper our policy\n!Obviously\nas I already said\n", encoding="utf-8")
    result = load_blame_phrases(user)
    assert result.failed == []
    assert "per our policy" in result.phrases and "obviously" not in result.phrases
    assert [p.casefold() for p in result.phrases].count("as i already said") == 1


def test_missing_or_unreadable_phrase_file_keeps_the_defaults(tmp_path: Path):
    assert load_blame_phrases(tmp_path / "none.txt").phrases == default_blame_phrases()
    bad = tmp_path / "bad.txt"
    bad.write_bytes("perch\xe9".encode("latin-1"))
    result = load_blame_phrases(bad)
    assert result.phrases == default_blame_phrases()
    assert result.failed == [(str(bad), "The file is not UTF-8 text: save it as UTF-8.")]


# --- finding placeholders and fill-ins

def test_find_placeholders_reports_names_and_lines():
    text = "Hi {{customer.first_name}},\n\n{{ ticket.number }} {{ x | default('y') }}\n{{}}"
    assert find_placeholders(text) == [("customer.first_name", 1), ("ticket.number", 3),
                                       ("x | default('y')", 3), ("(empty)", 4)]


def test_find_fill_ins_reports_labels_and_lines():
    text = "[[cause]]\nok\n- Pros: [[advantages]] and [[ more ]]\n[[]] [[\n]]"
    assert find_fill_ins(text) == [("cause", 1), ("advantages", 3), ("more", 3)]


def test_code_spans_and_fences_hide_markers():
    text = "`{{ a }}` ``[[b]]``\n````\n```\n{{ c }}\n````\n[[d]]"
    assert find_placeholders(text) == []
    assert find_fill_ins(text) == [("d", 6)]
