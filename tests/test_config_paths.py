"""Where files live: --home, HELPDESK_TUI_HOME, HELPDESK_TUI_CONFIG, platformdirs."""

from __future__ import annotations

import stat
from pathlib import Path

import platformdirs
import pytest

from helpdesk_tui.config.paths import (
    Locations,
    ensure_dirs,
    resolve_locations,
    validate_account_name,
)


def test_explicit_home_puts_config_and_data_under_it(tmp_path):
    locations = resolve_locations(home=tmp_path, env={})
    assert locations.config_dir == tmp_path / "config"
    assert locations.data_dir == tmp_path / "data"
    assert locations.config_file == tmp_path / "config" / "config.toml"
    assert locations.themes_dir == tmp_path / "config" / "themes"
    assert locations.templates_dir == tmp_path / "config" / "templates"
    assert locations.state_file == tmp_path / "data" / "state.json"


def test_explicit_home_wins_over_every_environment_variable(tmp_path):
    env = {"HELPDESK_TUI_HOME": str(tmp_path / "env"), "HELPDESK_TUI_CONFIG": "/elsewhere.toml"}
    locations = resolve_locations(home=tmp_path / "cli", env=env)
    assert locations.config_dir == tmp_path / "cli" / "config"
    assert locations.config_file == tmp_path / "cli" / "config" / "config.toml"


def test_home_environment_variable_is_used_without_explicit_home(tmp_path):
    locations = resolve_locations(env={"HELPDESK_TUI_HOME": str(tmp_path)})
    assert locations.config_dir == tmp_path / "config"
    assert locations.data_dir == tmp_path / "data"


def test_config_environment_variable_points_at_another_settings_file(tmp_path):
    other = tmp_path / "team.toml"
    env = {"HELPDESK_TUI_HOME": str(tmp_path / "h"), "HELPDESK_TUI_CONFIG": str(other)}
    locations = resolve_locations(env=env)
    assert locations.config_file == other
    assert locations.config_dir == tmp_path / "h" / "config"  # themes etc. stay put


def test_explicit_config_file_beats_the_environment(tmp_path):
    locations = resolve_locations(
        env={"HELPDESK_TUI_CONFIG": str(tmp_path / "env.toml")},
        config_file=tmp_path / "cli.toml",
    )
    assert locations.config_file == tmp_path / "cli.toml"


def test_without_home_platform_directories_are_used():
    locations = resolve_locations(env={})
    assert locations.config_dir == Path(platformdirs.user_config_dir("helpdesk-tui", appauthor=False))
    assert locations.data_dir == Path(platformdirs.user_data_dir("helpdesk-tui", appauthor=False))


def test_empty_environment_variables_count_as_unset():
    assert resolve_locations(env={"HELPDESK_TUI_HOME": "", "HELPDESK_TUI_CONFIG": ""}) == (
        resolve_locations(env={})
    )


def test_relative_and_tilde_homes_become_absolute(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert resolve_locations(home="rel", env={}).config_dir == tmp_path / "rel" / "config"
    assert resolve_locations(home="~/hd", env={}).config_dir.is_absolute()


def test_resolving_creates_nothing(tmp_path):
    resolve_locations(home=tmp_path / "home", env={})
    assert not (tmp_path / "home").exists()


def test_ensure_dirs_creates_private_directories(tmp_path):
    locations = resolve_locations(home=tmp_path / "home", env={})
    created = ensure_dirs(locations)
    for directory in (
        tmp_path / "home",
        locations.config_dir,
        locations.themes_dir,
        locations.templates_dir,
        locations.data_dir,
        locations.data_dir / "accounts",
    ):
        assert directory.is_dir()
        assert directory in created
        assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    assert ensure_dirs(locations) == []  # idempotent


def test_ensure_dirs_leaves_existing_directory_permissions_alone(tmp_path):
    home = tmp_path / "home"
    (home / "config").mkdir(parents=True)
    (home / "config").chmod(0o755)
    ensure_dirs(resolve_locations(home=home, env={}))
    assert stat.S_IMODE((home / "config").stat().st_mode) == 0o755


def test_account_db_is_one_sqlite_file_per_account(tmp_path):
    locations = resolve_locations(home=tmp_path, env={})
    assert locations.account_db("work-EU_2.x") == tmp_path / "data" / "accounts" / "work-EU_2.x.sqlite"
    assert locations.drafts_location("demo") == locations.account_db("demo")


@pytest.mark.parametrize(
    "name", ["", "../evil", "a/b", "a\\b", "with space", ".hidden", "naïve", "x\n", "a" * 65]
)
def test_unsafe_account_names_are_refused_with_a_sentence(tmp_path, name):
    locations = resolve_locations(home=tmp_path, env={})
    with pytest.raises(ValueError) as error:
        locations.account_db(name)
    message = str(error.value)
    assert message.endswith(".") and "\n" not in message.rstrip("\n")


def test_validate_account_name_returns_the_name():
    assert validate_account_name("demo") == "demo"


def test_describe_lists_everything_locate_prints(tmp_path):
    locations = Locations(tmp_path / "c", tmp_path / "d", tmp_path / "c" / "config.toml")
    places = locations.describe("demo")
    assert places["config"] == tmp_path / "c" / "config.toml"
    assert places["themes"] == tmp_path / "c" / "themes"
    assert places["drafts"] == tmp_path / "d" / "accounts" / "demo.sqlite"
    assert "drafts" not in locations.describe()
