"""The ``[views]`` section: the agent's own inbox views, each mistake one sentence naming the view."""

from __future__ import annotations

import textwrap

from helpdesk_tui.config.custom_views import CustomView
from helpdesk_tui.config.settings import load_settings


def load(tmp_path, text: str):
    path = tmp_path / "config.toml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return load_settings(path, env={})


def test_views_are_read_in_the_files_order(tmp_path):
    settings = load(tmp_path, """
        [views."Billing urgent"]
        key = "7"
        filter = "tag:billing priority:urgent"

        [views.VIP]
        key = "V"
        filter = " tag:vip "
    """)
    assert settings.views == (CustomView("Billing urgent", "7", "tag:billing priority:urgent"),
                              CustomView("VIP", "V", "tag:vip"))
    assert settings.warnings == ()


def test_no_views_section_means_no_custom_views(tmp_path):
    assert load(tmp_path, "[agent]\nname = 'Aiko'\n").views == ()


def test_a_view_with_a_bad_key_is_left_out_with_one_sentence_naming_it(tmp_path):
    settings = load(tmp_path, """
        [views.Builtin]
        key = "3"
        filter = "tag:a"
        [views.Long]
        key = "ab"
        filter = "tag:a"
        [views.Symbol]
        key = "#"
        filter = "tag:a"
        [views.Good]
        key = "8"
        filter = "tag:a"
    """)
    assert [v.name for v in settings.views] == ["Good"]
    assert len(settings.warnings) == 3
    builtin, long, symbol = settings.warnings
    assert "'Builtin'" in builtin and "built-in view" in builtin
    assert "'Long'" in long and "7, 8, 9 or a letter" in long
    assert "'Symbol'" in symbol and "7, 8, 9 or a letter" in symbol
    assert all(w.count(". ") == 0 and w.endswith("left out.") for w in settings.warnings)


def test_a_duplicate_key_keeps_the_first_view_and_names_both(tmp_path):
    settings = load(tmp_path, """
        [views.First]
        key = "9"
        filter = "tag:a"
        [views.Second]
        key = "9"
        filter = "tag:b"
    """)
    assert [v.name for v in settings.views] == ["First"]
    (warning,) = settings.warnings
    assert "'Second'" in warning and "'First'" in warning and "key 9" in warning


def test_a_bad_filter_is_one_sentence_naming_the_view(tmp_path):
    settings = load(tmp_path, """
        [views.Broken]
        key = "7"
        filter = "status:nonsense"
    """)
    assert settings.views == ()
    (warning,) = settings.warnings
    assert "'Broken'" in warning and "Unknown status 'nonsense'" in warning and str(tmp_path) in warning


def test_a_view_without_key_or_filter_says_what_it_needs(tmp_path):
    settings = load(tmp_path, """
        [views.Half]
        key = "7"
    """)
    assert settings.views == ()
    assert "'Half' needs key" in settings.warnings[0]


def test_a_hostile_name_is_kept_as_text_or_refused_shown_escaped(tmp_path):
    settings = load(tmp_path, r"""
        [views."[bold red]x[/]"]
        key = "7"
        filter = "tag:a"
        [views."evil\u001b[2J"]
        key = "8"
        filter = "tag:a"
    """)
    # Markup is only text in a name: kept, and the view bar draws it as it is.
    assert [v.name for v in settings.views] == ["[bold red]x[/]"]
    (warning,) = settings.warnings
    assert "\x1b" not in warning and "\\x1b[2J" in warning and "control characters" in warning


def test_a_name_of_a_builtin_view_is_refused(tmp_path):
    settings = load(tmp_path, """
        [views.mine]
        key = "7"
        filter = "tag:a"
    """)
    assert settings.views == () and "name of a built-in view" in settings.warnings[0]
