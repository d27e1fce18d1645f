"""Bad configs, themes, templates and keymaps: each ends in one sentence, never a traceback,
and nothing a user wrote is ever read as markup.

CLI cases run the real command in a subprocess; app cases use Pilot with notifications on.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from helpdesk_tui.config.settings import ConfigError, Settings, UISettings, load_settings
from helpdesk_tui.ui.themes import ThemeError, load_themes, parse_theme_file, bundled_themes_dir
from tests.ui_support import make_app, settle

DEEP = 5000


def run(home: Path, *args: str, env_extra: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HELPDESK_TUI")}
    env["HELPDESK_TUI_HOME"] = str(home)
    env.update(env_extra or {})
    return subprocess.run([sys.executable, "-m", "helpdesk_tui", *args], capture_output=True, text=True,
                          env=env, timeout=120)


def one_sentence(out: subprocess.CompletedProcess, status: int = 1) -> str:
    assert out.returncode == status, out.stderr
    assert "Traceback" not in out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("helpdesk-tui: "), out.stderr
    assert lines[0].endswith("."), lines[0]
    return lines[0]


def write_config(home: Path, text: str | bytes) -> Path:
    path = home / "config" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def load(tmp_path: Path, text: str | bytes) -> Settings:
    return load_settings(write_config(tmp_path, text), env={})


def error_for(tmp_path: Path, text: str | bytes) -> str:
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, text)
    message = str(caught.value)
    assert "\n" not in message and message.endswith(".")
    assert len(message) < 400
    return message


# --- the file itself ---------------------------------------------------------------------------

def test_a_config_saved_with_a_utf8_bom_is_read(tmp_path):
    settings = load(tmp_path, b'\xef\xbb\xbf[agent]\nname = "Aiko"\n')
    assert settings.agent.name == "Aiko"


def test_a_theme_saved_with_a_utf8_bom_is_read(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_bytes(b'\xef\xbb\xbfname = "mine"\nprimary = "#4C8DF6"\n')
    assert parse_theme_file(path).name == "mine"


@pytest.mark.parametrize("nested", [
    "x = " + "[" * DEEP + "]" * DEEP + "\n",
    "x = " + "{a = " * DEEP + "1" + "}" * DEEP + "\n",
    "[keymap]\n" + ".".join(["a"] * DEEP) + ' = "j"\n',
])
def test_a_config_nested_thousands_deep_is_one_sentence(tmp_path, nested):
    message = error_for(tmp_path, nested)
    assert str(tmp_path / "config" / "config.toml") in message


def test_a_theme_nested_thousands_deep_is_reported_and_skipped(tmp_path):
    themes = tmp_path / "themes"
    themes.mkdir()
    (themes / "deep.toml").write_text('name = "deep"\nprimary = "#000000"\nx = ' + "[" * DEEP + "]" * DEEP)
    result = load_themes(bundled_themes_dir(), themes)
    assert [name for name, _ in result.failed] == ["deep.toml"]
    assert "nested too deeply" in result.failed[0][1]


def test_the_cli_says_one_sentence_for_a_deeply_nested_config(tmp_path):
    write_config(tmp_path, "x = " + "[" * DEEP + "]" * DEEP + "\n")
    assert "nested too deeply" in one_sentence(run(tmp_path, "locate"))


# --- numbers and lengths of time are bounded ------------------------------------------------------

@pytest.mark.parametrize(("text", "key"), [
    ("[sla]\ncheckpoint_warning_minutes = 9223372036854775807\n", "sla.checkpoint_warning_minutes"),
    ("[sla]\ncheckpoint_warning_minutes = -1\n", "sla.checkpoint_warning_minutes"),
    ("[sync]\ninterval_seconds = 9223372036854775807\n", "sync.interval_seconds"),
    ("[inbox]\npage_size = 9223372036854775807\n", "inbox.page_size"),
    ("[focus]\ndefault_minutes = 9223372036854775807\n", "focus.default_minutes"),
    ("[focus]\nwarning_minutes = 9223372036854775807\n", "focus.warning_minutes"),
    ('[sla.urgent]\nacknowledge = "9999999d"\n', "sla.urgent.acknowledge"),
    ('[sla.low]\nresolution = "99999999999999999999999d"\n', "sla.low.resolution"),
    ('[sla.high]\nupdate_interval = "9999999w"\n', "sla.high.update_interval"),
    ('[sla.normal]\nfirst_update = "0m"\n', "sla.normal.first_update"),
])
def test_out_of_range_numbers_and_durations_are_one_sentence_naming_the_key(tmp_path, text, key):
    assert key in error_for(tmp_path, text)


def test_the_edges_of_each_range_are_accepted(tmp_path):
    settings = load(tmp_path, "[sla]\ncheckpoint_warning_minutes = 10080\n[sync]\ninterval_seconds = 86400\n"
                              '[sla.low]\nresolution = "365d"\nacknowledge = "1m"\n')
    assert settings.sla.checkpoint_warning_minutes == 10080
    assert settings.sync.interval_seconds == 86400


@pytest.mark.parametrize("text", [
    "[sla]\ncheckpoint_warning_minutes = 9223372036854775807\n",
    '[sla.urgent]\nacknowledge = "9999999d"\n',
])
def test_the_cli_refuses_a_huge_value_in_one_sentence_without_locals(demo_home, text):
    write_config(demo_home, text)
    line = one_sentence(run(demo_home, "list", "--limit", "1"))
    assert "must" in line and "sla." in line


# --- mistakes are said, not ignored ---------------------------------------------------------------

def test_an_unknown_default_view_is_warned_about_and_the_inbox_opens_on_all(tmp_path):
    settings = load(tmp_path, '[inbox]\ndefault_view = "nope"\n')
    assert settings.inbox.default_view == "all"
    assert any("default_view" in w and "'nope'" in w for w in settings.warnings)


@pytest.mark.parametrize("key", ["pw", "auth", "api_key", "apiKey", "secret", "client-secret", "pwd",
                                 "Authorization", "key", "passphrase"])
def test_account_keys_that_look_like_secrets_are_refused(tmp_path, key):
    message = error_for(tmp_path, f'[accounts.work]\nbackend = "x"\n"{key}" = "hunter2"\n')
    assert "looks like a secret" in message and "hunter2" not in message


@pytest.mark.parametrize("key", ["author", "keyboard", "user", "keyring_id"])
def test_ordinary_words_are_not_taken_for_secrets(tmp_path, key):
    settings = load(tmp_path, f'[accounts.work]\nbackend = "x"\n"{key}" = "abcdef0123456789"\n')
    assert not any("secret" in w for w in settings.warnings)


def test_a_secret_looking_key_in_another_section_is_warned_about_by_name_only(tmp_path):
    settings = load(tmp_path, '[sync]\npw = "hunter2"\n')
    (warning,) = settings.warnings
    assert "sync.pw" in warning and "looks like a secret" in warning and "hunter2" not in warning


def test_the_cli_prints_unknown_keys_on_stderr_and_still_works(demo_home):
    write_config(demo_home, '[ui]\nfont = "big"\n[bar]\nx = 1\n[inbox]\ndefault_view = "nope"\n')
    out = run(demo_home, "list", "--limit", "1", "--json")
    assert out.returncode == 0, out.stderr
    assert len(out.stdout.splitlines()) == 1
    err = out.stderr.splitlines()
    assert len(err) == 3 and all(line.startswith("helpdesk-tui: ") for line in err)
    assert "Unknown section [bar]" in out.stderr and "ui.font" in out.stderr and "'nope'" in out.stderr


def test_warnings_with_control_characters_reach_stderr_cleaned(demo_home):
    write_config(demo_home, '[ui]\n"\\u001b]0;PWNED\\u0007font" = 1\n')
    out = run(demo_home, "locate", "config")
    assert out.returncode == 0
    assert "\x1b" not in out.stderr and "\x07" not in out.stderr and "font" in out.stderr


# --- the app: nothing from a file is markup --------------------------------------------------------

def toasts(app) -> list[str]:
    from textual.widgets._toast import Toast

    return [str(toast.render()) for toast in app.screen.query(Toast)]


async def test_an_unknown_section_is_shown_with_its_brackets(demo_db, tmp_path):
    settings = load(tmp_path, "[ui]\nclock = false\n[bar]\nx = 1\n")
    app = make_app(demo_db, tmp_path, settings=settings)
    async with app.run_test(size=(160, 40), notifications=True) as pilot:
        await settle(pilot, app)
        await pilot.pause(0.2)
        assert any("Unknown section [bar] in" in text for text in toasts(app)), toasts(app)


async def test_a_theme_named_like_markup_does_not_break_the_palette(demo_db, tmp_path):
    themes = tmp_path / "themes"
    themes.mkdir()
    (themes / "odd.toml").write_text('name = "[/]"\nprimary = "#4C8DF6"\n')
    (themes / "[b]broken.toml").write_text("name = 3\n")
    app = make_app(demo_db, tmp_path, user_themes=themes)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await settle(pilot, app)
        await pilot.pause(0.2)
        assert any("[b]broken.toml" in text for text in toasts(app)), toasts(app)
        await pilot.press("ctrl+p")
        await pilot.press(*"theme")
        await pilot.pause(0.5)
        await pilot.press("escape")
        await pilot.pause()
        assert app.is_running and "[/]" in app.available_themes


def test_a_theme_name_with_control_characters_is_refused():
    with pytest.raises(ThemeError, match="bad name"):
        parse_theme_file('name = "evil\\u001b[2J"\nprimary = "#4C8DF6"\n')


async def test_a_broken_template_named_like_markup_does_not_break_ctrl_t(demo_db, tmp_path):
    templates = tmp_path / "templates"
    (templates / "[").mkdir(parents=True)
    (templates / "[" / "].md").write_text("---\nname: [/]\n---\nHello [/] there\n")  # no language: broken
    (templates / "[/b]ok.md").write_text("---\nname: [/] fine\nlanguage: en\n---\nHello [/]\n")
    app = make_app(demo_db, tmp_path, templates_dir=templates)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await settle(pilot, app)
        await pilot.press("enter")
        await pilot.pause(0.3)
        await pilot.press("r")
        await pilot.pause(0.3)
        await pilot.press("ctrl+t")
        await settle(pilot, app)
        await pilot.pause(0.3)
        assert type(app.screen).__name__ == "TemplatePicker"
        assert any("templates/[/].md was not loaded" in text for text in toasts(app)), toasts(app)
        await pilot.press(*"fine", "enter")
        await settle(pilot, app)
        assert app.is_running and "Hello [/]" in app.workstation.composer.text


# --- the keymap ---------------------------------------------------------------------------------

def keymap_warnings_for(app) -> list[str]:
    from helpdesk_tui.ui.keymap_check import keymap_warnings

    return keymap_warnings(app.settings.keymap, app.help_sections())


async def test_an_unknown_keymap_id_and_a_stolen_key_are_said_once(demo_db, tmp_path):
    settings = load(tmp_path, '[ui]\nclock = false\n[keymap]\n"inbox.down" = "j,down,n"\n"inbox.dwn" = "x"\n')
    app = make_app(demo_db, tmp_path, settings=settings)
    async with app.run_test(size=(160, 40), notifications=True) as pilot:
        await settle(pilot, app)
        await pilot.pause(0.2)
        shown = " ".join(toasts(app))
        assert '"inbox.dwn" is not a binding id' in shown
        assert '"inbox.down" takes n' in shown and '"ticket.note"' in shown


async def test_a_keymap_that_moves_keys_without_a_clash_says_nothing(demo_db, tmp_path):
    settings = load(tmp_path, '[ui]\nclock = false\n[keymap]\n"inbox.down" = "j,down,ctrl+j"\n'
                              '"ticket.note" = "f8"\n')
    app = make_app(demo_db, tmp_path, settings=settings)
    assert keymap_warnings_for(app) == []


def test_the_readme_keymap_example_has_no_clash(demo_db, tmp_path):
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    block = re.search(r"\[keymap\][^\n]*\n((?:\"[^\n]+\n)+)", readme)
    assert block, "the README has a [keymap] example"
    settings = load(tmp_path, "[keymap]\n" + block.group(1))
    app = make_app(demo_db, tmp_path, settings=Settings(ui=UISettings(clock=False), keymap=settings.keymap))
    assert keymap_warnings_for(app) == []


# --- locate config --------------------------------------------------------------------------------

def test_locate_config_creates_a_commented_starter_once_that_means_the_defaults(tmp_path):
    out = run(tmp_path, "locate", "config")
    path = tmp_path / "config" / "config.toml"
    assert out.returncode == 0 and out.stdout.strip() == str(path)
    assert "created" in out.stderr and path.exists()
    assert (path.stat().st_mode & 0o777) == 0o600
    text = path.read_text()
    assert all(not line.strip() or line.startswith("#") for line in text.splitlines())
    settings = load_settings(path, env={})
    assert settings == Settings() and settings.warnings == ()
    # Uncommented, the examples are valid settings too.
    uncommented = "\n".join(line[2:] if line.startswith("# ") and ("=" in line or line.startswith("# [")) else ""
                            for line in text.splitlines())
    path.write_text(uncommented)
    assert load_settings(path, env={}).warnings == ()
    path.write_text("# mine\n")
    again = run(tmp_path, "locate")
    assert again.returncode == 0 and again.stderr == "" and path.read_text() == "# mine\n"


def test_locate_says_so_when_the_starter_cannot_be_written(tmp_path):
    # A place nobody can create a folder in, root included.
    out = run(tmp_path, "locate", "config", env_extra={"HELPDESK_TUI_CONFIG": "/proc/helpdesk-tui/config.toml"})
    assert out.returncode == 0 and "cannot be created" in out.stderr and "Traceback" not in out.stderr


def test_an_error_quoting_a_key_with_escapes_reaches_stderr_cleaned(tmp_path):
    write_config(tmp_path, '[keymap]\n"\\u001b]0;PWNED\\u0007\\u009b2J" = 1\n')
    line = one_sentence(run(tmp_path, "locate"))
    assert "keymap" in line and "\x1b" not in line and "\x07" not in line and "\x9b" not in line


def test_a_bom_config_can_still_be_edited_by_account_add(tmp_path):
    from helpdesk_tui.config import accounts_file
    from helpdesk_tui.config.settings import AccountConfig

    path = write_config(tmp_path, b'\xef\xbb\xbf# mine\n[agent]\nname = "Aiko"\n')
    accounts_file.add_account(path, AccountConfig("work", "demo", "https://desk.example.com", None, "0123456789abcdef"))
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# mine\n") and "[accounts.work]" in text
    settings = load_settings(path, env={})
    assert settings.agent.name == "Aiko" and settings.accounts["work"].keyring_id == "0123456789abcdef"
