"""Settings from config.toml: defaults, types, one-sentence errors, env overrides."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from helpdesk_tui.config.settings import DEMO_AGENT, AccountConfig, ConfigError, Settings, load_settings


def write(tmp_path, text: str):
    path = tmp_path / "config.toml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def load(tmp_path, text: str, env: dict[str, str] | None = None) -> Settings:
    return load_settings(write(tmp_path, text), env=env or {})


def error_for(tmp_path, text: str) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        load(tmp_path, text)
    return info.value


def assert_one_sentence_naming(error: ConfigError, path) -> None:
    message = str(error)
    assert str(path) in message
    assert message.endswith(".") and "\n" not in message


def test_missing_file_gives_defaults(tmp_path):
    settings = load_settings(tmp_path / "nope.toml", env={})
    assert settings == Settings()
    assert settings.agent.name == DEMO_AGENT.name == "Aiko Tanaka"  # the demo account's named agent, never "you"
    assert settings.ui.theme == "helpdesk-dark"
    assert settings.ui.clock is True
    assert settings.inbox.page_size == 100
    assert settings.inbox.default_view == "all"
    assert dict(settings.keymap) == {}
    assert settings.default_account == "demo"
    assert settings.account == AccountConfig("demo", backend="demo")
    assert settings.warnings == ()


def test_full_file_is_read_into_typed_settings(tmp_path):
    settings = load(
        tmp_path,
        """
        default_account = "eu"

        [agent]
        name = "Aiko"

        [ui]
        theme = "helpdesk-light"
        clock = false

        [inbox]
        page_size = 50
        default_view = "mine"

        [keymap]
        "inbox.next" = "j,down"
        "app.quit" = "ctrl+q"

        [accounts.us]
        backend = "zendesk"
        url = "https://us.example.zendesk.com"
        user = "aiko@example.com"

        [accounts.eu]
        backend = "zammad"
        url = "https://eu.example.com"
        """,
    )
    assert settings.agent.name == "Aiko"
    assert settings.ui.theme == "helpdesk-light" and settings.ui.clock is False
    assert settings.inbox.page_size == 50 and settings.inbox.default_view == "mine"
    assert dict(settings.keymap) == {"inbox.next": "j,down", "app.quit": "ctrl+q"}
    assert list(settings.accounts) == ["us", "eu"]
    assert settings.accounts["us"] == AccountConfig(
        "us", "zendesk", "https://us.example.zendesk.com", "aiko@example.com"
    )
    assert settings.account.name == "eu"
    assert settings.warnings == ()


def test_unquoted_dotted_keymap_ids_are_flattened(tmp_path):
    settings = load(tmp_path, '[keymap]\ninbox.next = "j"\ninbox.previous = "k"\n')
    assert dict(settings.keymap) == {"inbox.next": "j", "inbox.previous": "k"}


def test_settings_are_immutable(tmp_path):
    settings = load(tmp_path, '[keymap]\n"a.b" = "x"\n')
    with pytest.raises(AttributeError):
        settings.ui = None  # type: ignore[misc]
    with pytest.raises(TypeError):
        settings.keymap["a.b"] = "y"  # type: ignore[index]


def test_without_default_account_the_first_configured_account_opens(tmp_path):
    settings = load(tmp_path, '[accounts.b]\nbackend = "demo"\n[accounts.a]\nbackend = "demo"\n')
    assert settings.default_account == "b"
    assert "demo" not in settings.accounts


def test_unknown_sections_and_keys_are_ignored_with_warnings(tmp_path):
    settings = load(
        tmp_path,
        """
        colour = "red"
        [plugins]
        x = 1
        [ui]
        theme = "helpdesk-light"
        font = "big"
        [accounts.demo]
        backend = "demo"
        region = "eu"
        """,
    )
    assert settings.ui.theme == "helpdesk-light"
    assert len(settings.warnings) == 4
    joined = " ".join(settings.warnings)
    for name in ("colour", "[plugins]", "ui.font", "accounts.demo.region"):
        assert name in joined


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[ui]\ntheme = 3\n", "ui.theme must be a string"),
        ("[ui]\nclock = \"no\"\n", "ui.clock must be true or false"),
        ("[agent]\nname = \"\"\n", "agent.name cannot be empty"),
        ("[inbox]\npage_size = \"10\"\n", "inbox.page_size must be a whole number"),
        ("[inbox]\npage_size = true\n", "inbox.page_size must be a whole number"),
        ("[inbox]\npage_size = 0\n", "inbox.page_size must be between 1 and 10000"),
        ("ui = \"dark\"\n", "ui must be a table"),
        ("[keymap]\n\"inbox.next\" = 1\n", 'keymap "inbox.next" must be a string of keys'),
        ("default_account = \"nope\"\n", "there is no [accounts.nope] section"),
        ("[accounts.work]\nurl = \"https://x\"\n", "accounts.work needs a backend"),
        ("[accounts.work]\nbackend = \"x\"\nurl = \"ftp://x\"\n", "must start with https://"),
        ("[accounts.\"../x\"]\nbackend = \"x\"\n", "account name '../x' is not allowed"),
        ("[accounts.work]\nbackend = \"x\"\npassword = \"hunter2\"\n", "looks like a secret"),
        ("[accounts.work]\nbackend = \"x\"\napi_token = \"abc\"\n", "keyring"),
        ("[accounts.work]\nbackend = \"x\"\nAPI-Key = \"abc\"\n", "looks like a secret"),
        ("[accounts.work]\nbackend = \"x\"\nclient_secret = \"abc\"\n", "looks like a secret"),
    ],
)
def test_wrong_values_raise_one_sentence_naming_the_file(tmp_path, text, expected):
    error = error_for(tmp_path, text)
    assert expected in str(error)
    assert_one_sentence_naming(error, tmp_path / "config.toml")


def test_secret_values_never_appear_in_the_error(tmp_path):
    error = error_for(tmp_path, '[accounts.w]\nbackend = "x"\ntoken = "s3cr3t-value"\n')
    assert "s3cr3t-value" not in str(error)


def test_toml_syntax_error_names_the_file_and_line(tmp_path):
    error = error_for(tmp_path, '[ui]\ntheme = "helpdesk-dark"\nclock = \n')
    assert error.line == 3
    assert "line 3" in str(error)
    assert "not valid TOML" in str(error)
    assert_one_sentence_naming(error, tmp_path / "config.toml")


def test_unfinished_file_says_the_end_of_the_file(tmp_path):
    error = error_for(tmp_path, "tags = [1,\n")
    assert "at the end of the file" in str(error)
    assert_one_sentence_naming(error, tmp_path / "config.toml")


def test_file_that_is_not_utf8_is_a_config_error(tmp_path):
    path = tmp_path / "config.toml"
    path.write_bytes(b'[agent]\nname = "\xff"\n')
    with pytest.raises(ConfigError) as info:
        load_settings(path, env={})
    assert_one_sentence_naming(info.value, path)


def test_directory_instead_of_file_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError) as info:
        load_settings(tmp_path, env={})
    assert_one_sentence_naming(info.value, tmp_path)


def test_unreadable_file_is_a_config_error(tmp_path, monkeypatch):
    path = write(tmp_path, "[ui]\n")

    def refuse(self):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "read_bytes", refuse)
    with pytest.raises(ConfigError) as info:
        load_settings(path, env={})
    assert "Permission denied" in str(info.value)
    assert_one_sentence_naming(info.value, path)


def test_environment_overrides_agent_name_and_theme(tmp_path):
    env = {"HELPDESK_TUI_AGENT_NAME": "Ben", "HELPDESK_TUI_THEME": "helpdesk-high-contrast"}
    settings = load(tmp_path, '[agent]\nname = "Aiko"\n[ui]\ntheme = "helpdesk-light"\n', env)
    assert settings.agent.name == "Ben"
    assert settings.ui.theme == "helpdesk-high-contrast"


def test_environment_overrides_apply_without_a_file(tmp_path):
    settings = load_settings(tmp_path / "none.toml", env={"HELPDESK_TUI_THEME": "textual-light"})
    assert settings.ui.theme == "textual-light"


def test_empty_environment_overrides_are_ignored(tmp_path):
    settings = load_settings(tmp_path / "none.toml", env={"HELPDESK_TUI_AGENT_NAME": "  "})
    assert settings.agent.name == DEMO_AGENT.name


async def test_keymap_from_the_file_remaps_a_textual_binding(tmp_path):
    from textual.app import App
    from textual.binding import Binding

    class KeysApp(App):
        BINDINGS = [Binding("n", "next", "Next", id="inbox.next")]
        moves = 0

        def action_next(self) -> None:
            self.moves += 1

    settings = load(tmp_path, '[keymap]\ninbox.next = "j,down"\n')
    app = KeysApp()
    async with app.run_test() as pilot:
        app.set_keymap(settings.keymap)
        await pilot.press("j", "down", "n")
        await pilot.pause()
        assert app.moves == 2


def test_focus_section(tmp_path):
    settings = load(tmp_path, "[focus]\ndefault_minutes = 25\nwarning_minutes = 0\n")
    assert (settings.focus.default_minutes, settings.focus.warning_minutes) == (25, 0)
    assert Settings().focus.default_minutes == 50 and Settings().focus.warning_minutes == 5
    for bad in ("[focus]\ndefault_minutes = 0\n", "[focus]\nwarning_minutes = -1\n", "[focus]\ndefault_minutes = '50'\n"):
        assert_one_sentence_naming(error_for(tmp_path, bad), tmp_path / "config.toml")
