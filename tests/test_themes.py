"""Theme files: the bundled ones are valid, readable and registrable; bad user files are reported."""

from __future__ import annotations

import copy
import tomllib
from pathlib import Path

import pytest
from textual.app import App, ComposeResult
from textual.color import Color
from textual.theme import BUILTIN_THEMES, Theme
from textual.widgets import (
    Button,
    DataTable,
    Footer,
    Header,
    Input,
    Label,
    ListItem,
    ListView,
    Markdown,
    Static,
    TextArea,
)

from helpdesk_tui.ui.themes import (
    APP_THEME_VARIABLE_DEFAULTS,
    ThemeError,
    bundled_themes_dir,
    load_themes,
    parse_theme_file,
    theme_variable_defaults,
)

REPO = Path(__file__).resolve().parents[1]
BUNDLED = ("helpdesk-dark", "helpdesk-light", "helpdesk-high-contrast")
APP_VARIABLES = ("sla-breached", "sla-soon", "msg-customer", "msg-reply", "msg-note", "draft-marker")
GOOD = 'name = "ocean"\nprimary = "#0077BE"\n'


def bundled_themes() -> dict[str, Theme]:
    result = load_themes(bundled_themes_dir(), None)
    assert result.failed == []
    return {theme.name: theme for theme in result.loaded}


def contrast(a: str, b: str) -> float:
    """WCAG 2 contrast ratio of two opaque colours."""

    def luminance(text: str) -> float:
        colour = Color.parse(text)

        def channel(value: int) -> float:
            c = value / 255
            return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

        return 0.2126 * channel(colour.r) + 0.7152 * channel(colour.g) + 0.0722 * channel(colour.b)

    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def text_colours(theme: Theme) -> dict[str, str]:
    """Colours that are drawn as text or thin lines on the background."""
    colours = {
        key: getattr(theme, key)
        for key in ("foreground", "primary", "accent", "warning", "error", "success")
    }
    colours.update({name: theme.variables[name] for name in APP_VARIABLES})
    return colours


# --- the bundled files -------------------------------------------------------------


def test_source_checkout_finds_the_top_level_themes_folder():
    assert Path(str(bundled_themes_dir())) == REPO / "themes"


def test_all_bundled_themes_load_without_failures():
    assert sorted(bundled_themes()) == sorted(BUNDLED)


@pytest.mark.parametrize("name", BUNDLED)
def test_bundled_theme_sets_every_colour_and_app_variable(name):
    theme = bundled_themes()[name]
    for key in ("primary", "secondary", "accent", "foreground", "background", "surface",
                "panel", "warning", "error", "success"):  # fmt: skip
        assert getattr(theme, key), key
    assert set(APP_VARIABLES) <= set(theme.variables)


@pytest.mark.parametrize("name", BUNDLED)
def test_bundled_theme_file_documents_the_format(name):
    text = (REPO / "themes" / f"{name}.toml").read_text(encoding="utf-8")
    header = text.split("\nname =")[0]
    for word in ("name", "dark", "primary", "[variables]", *APP_VARIABLES):
        assert word in header, word


def test_light_theme_is_light_and_dark_themes_are_dark():
    themes = bundled_themes()
    assert themes["helpdesk-light"].dark is False
    assert themes["helpdesk-dark"].dark is True
    assert themes["helpdesk-high-contrast"].dark is True


@pytest.mark.parametrize("name", ["helpdesk-dark", "helpdesk-light"])
def test_text_colours_are_readable_on_the_background(name):
    theme = bundled_themes()[name]
    for key, colour in text_colours(theme).items():
        assert contrast(colour, theme.background) >= 4.5, (key, colour)


def test_high_contrast_theme_is_pure_black_and_white_with_aaa_contrast():
    theme = bundled_themes()["helpdesk-high-contrast"]
    assert Color.parse(theme.background) == Color.parse("#000000")
    assert Color.parse(theme.surface) == Color.parse("#000000")
    assert Color.parse(theme.foreground) == Color.parse("#FFFFFF")
    assert theme.text_alpha == 1.0
    for key, colour in text_colours(theme).items():
        assert contrast(colour, "#000000") >= 7, (key, colour)
        # Saturated: at least one channel fully on.
        assert 255 in Color.parse(colour).rgb, (key, colour)


# --- on a real app -------------------------------------------------------------------


class VariablesApp(App):
    """Uses every app variable in CSS, as the real app's stylesheets will."""

    CSS = """
    #breached { color: $sla-breached; }
    #soon { color: $sla-soon; }
    #customer { border: tall $msg-customer; }
    #reply { border: tall $msg-reply; }
    #note { border: tall $msg-note; }
    #draft { color: $draft-marker; }
    """

    def __init__(self, derive: bool = False) -> None:
        self.derive = derive  # App.__init__ already asks for the defaults
        super().__init__()

    def get_theme_variable_defaults(self) -> dict[str, str]:
        if self.derive:
            return theme_variable_defaults(self.current_theme)
        return APP_THEME_VARIABLE_DEFAULTS

    def compose(self) -> ComposeResult:
        for widget_id in ("breached", "soon", "customer", "reply", "note", "draft"):
            yield Static(widget_id, id=widget_id)


class ManyWidgetsApp(VariablesApp):
    """Mounts the widgets whose CSS uses most of Textual's own variables."""

    def compose(self) -> ComposeResult:
        yield Header()
        yield from super().compose()
        yield Input("typed")
        yield Button("Send")
        yield DataTable()
        yield Markdown("# Title\n\n[a link](https://example.com) and `code`")
        yield TextArea("draft")
        yield ListView(ListItem(Label("one")))
        yield Footer()


@pytest.mark.parametrize("name", BUNDLED)
async def test_bundled_theme_registers_and_applies_on_a_bare_app(name):
    theme = bundled_themes()[name]
    app = App()
    async with app.run_test() as pilot:
        app.register_theme(theme)
        app.theme = name
        await pilot.pause()
        assert app.theme == name
        assert app.current_theme is theme


@pytest.mark.parametrize("name", BUNDLED)
async def test_bundled_theme_colours_reach_the_widgets(name):
    theme = bundled_themes()[name]
    app = ManyWidgetsApp()
    async with app.run_test() as pilot:
        app.register_theme(theme)
        app.theme = name
        await pilot.pause()
        breached = app.query_one("#breached")
        assert breached.styles.color == Color.parse(theme.variables["sla-breached"])
        assert app.query_one("#draft").styles.color == Color.parse(theme.variables["draft-marker"])


@pytest.mark.parametrize("derive", [False, True], ids=["fixed-defaults", "derived-defaults"])
async def test_textual_builtin_themes_work_with_our_variable_defaults(derive):
    app = VariablesApp(derive=derive)
    async with app.run_test() as pilot:
        for name in BUILTIN_THEMES:
            app.theme = name
            await pilot.pause()
            assert app.theme == name
            assert set(APP_VARIABLES) <= set(app.theme_variables)


def test_derived_defaults_are_colours_for_every_builtin_theme():
    for theme in BUILTIN_THEMES.values():
        values = theme_variable_defaults(theme)
        assert set(values) == set(APP_VARIABLES)
        for value in values.values():
            Color.parse(value)


async def test_loading_and_registering_never_mutates_textuals_shared_themes(tmp_path):
    before = copy.deepcopy(BUILTIN_THEMES)
    (tmp_path / "mine.toml").write_text('name = "textual-dark"\nprimary = "#FF0000"\n')
    result = load_themes(bundled_themes_dir(), tmp_path)
    app = App()
    async with app.run_test() as pilot:
        for theme in result.loaded:
            app.register_theme(theme)
        app.theme = "textual-dark"
        await pilot.pause()
        assert app.current_theme.primary == "#FF0000"
    assert BUILTIN_THEMES == before


# --- user themes ---------------------------------------------------------------------


def test_broken_user_theme_is_reported_and_good_ones_still_load(tmp_path):
    (tmp_path / "ocean.toml").write_text(GOOD)
    (tmp_path / "broken.toml").write_text('name = "broken"\nprimary = "#0077BE"\nsurface = "#12"\n')
    (tmp_path / "notes.txt").write_text("not a theme")
    result = load_themes(bundled_themes_dir(), tmp_path)
    names = [theme.name for theme in result.loaded]
    assert "ocean" in names and set(BUNDLED) <= set(names)
    assert "broken" not in names
    assert len(result.failed) == 1
    file_name, sentence = result.failed[0]
    assert file_name == "broken.toml"
    assert "broken.toml" in sentence and "surface" in sentence
    assert sentence.endswith(".") and "\n" not in sentence


def test_user_theme_with_a_bundled_name_replaces_it(tmp_path):
    (tmp_path / "my-dark.toml").write_text('name = "helpdesk-dark"\nprimary = "#FF00FF"\n')
    result = load_themes(bundled_themes_dir(), tmp_path)
    dark = [theme for theme in result.loaded if theme.name == "helpdesk-dark"]
    assert len(dark) == 1 and dark[0].primary == "#FF00FF"
    assert result.failed == []


def test_two_user_files_with_one_theme_name_keep_the_first(tmp_path):
    (tmp_path / "a.toml").write_text(GOOD)
    (tmp_path / "b.toml").write_text(GOOD.replace("#0077BE", "#FF0000"))
    result = load_themes(bundled_themes_dir(), tmp_path)
    ocean = [theme for theme in result.loaded if theme.name == "ocean"]
    assert [theme.primary for theme in ocean] == ["#0077BE"]
    assert [name for name, _ in result.failed] == ["b.toml"]
    assert "a.toml" in result.failed[0][1]


def test_missing_user_folder_is_not_an_error(tmp_path):
    result = load_themes(bundled_themes_dir(), tmp_path / "no-such-dir")
    assert result.failed == [] and len(result.loaded) == len(BUNDLED)


def test_missing_bundled_folder_is_reported(tmp_path):
    result = load_themes(tmp_path / "gone", None)
    assert result.loaded == []
    assert "reinstall" in result.failed[0][1]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("name = \n", "is not valid TOML"),
        ('primary = "#000000"\n', "needs a name"),
        ('name = ""\nprimary = "#000000"\n', "needs a name"),
        ('name = "a,b"\nprimary = "#000000"\n', "no commas"),
        ('name = "x"\n', "needs a primary colour"),
        ('name = "x"\nprimary = "#00000"\n', "not a colour"),
        ('name = "x"\nprimary = "blu"\n', "not a colour"),
        ('name = "x"\nprimary = 42\n', "colours are written as text"),
        ('name = "x"\nprimary = "red"\nbackgroud = "red"\n', "unknown key 'backgroud'"),
        ('name = "x"\nprimary = "red"\ndark = "yes"\n', "true or false"),
        ('name = "x"\nprimary = "red"\ntext_alpha = 2\n', "from 0 to 1"),
        ('name = "x"\nprimary = "red"\nvariables = 3\n', "[variables] table"),
        ('name = "x"\nprimary = "red"\n[variables]\nsla-soon = "soon"\n', "variables.sla-soon"),
        ('name = "x"\nprimary = "red"\n[variables]\n"Bad Name" = "red"\n', "bad variable name"),
        ('name = "x"\nprimary = "red"\n[variables]\nborder = 1\n', "written as text"),
        ('name = "x"\nprimary = "red"\n[variables]\nborder = "nonsense"\n', "not a colour Textual"),
        ('name = "x"\nprimary = "red"\n[variables]\nborder = "auto 90%"\n', "not a colour Textual"),
        ('name = "x"\nprimary = "red"\n[variables]\nborder = "red 50%"\n', "not a colour Textual"),
        ('name = "x"\nprimary = "red"\n[variables]\ntext = "red; x: y"\n', "not a colour Textual"),
        ('name = "x"\nprimary = "red"\n[variables]\nlink-style = "blink-ish"\n', "not a text style"),
        ('name = "x"\nprimary = "red"\n[variables]\nlink-style = "bold; color: red"\n', "not a text style"),
    ],
)
def test_bad_theme_text_raises_one_sentence(text, expected):
    with pytest.raises(ThemeError) as info:
        parse_theme_file(text, "mine.toml")
    message = str(info.value)
    assert expected in message
    assert message.startswith("Theme file mine.toml ")
    assert message.endswith(".") and "\n" not in message


def test_theme_text_parses_into_a_textual_theme():
    theme = parse_theme_file(
        GOOD + 'dark = false\nbackground = "rgb(250, 250, 250)"\n[variables]\nmsg-note = "hsl(50, 100%, 40%)"\n'
        'text-muted = "auto 90%"\n',
        "ocean.toml",
    )
    assert isinstance(theme, Theme)
    assert (theme.name, theme.primary, theme.dark) == ("ocean", "#0077BE", False)
    assert theme.variables == {"msg-note": "hsl(50, 100%, 40%)", "text-muted": "auto 90%"}


def test_textual_variables_accept_values_shaped_like_textuals_own():
    theme = parse_theme_file(
        GOOD + '[variables]\ntext = "auto 100%"\ntext-muted = "#C0C0C0 80%"\nborder = "red"\n'
        'link-background = "initial"\nbutton-focus-text-style = "b reverse"\n'
        'my-own-thing = "anything"\n',
        "ocean.toml",
    )
    assert theme.variables["button-focus-text-style"] == "b reverse"
    assert theme.variables["my-own-thing"] == "anything"  # not Textual's: never used


def most_general_value(name: str, default: str) -> str:
    if name.endswith("text-style") or name.startswith("link-style"):
        return "bold italic"
    return "auto 70%" if default.startswith("auto") else "#808080"


async def test_every_textual_variable_value_that_passes_validation_works_in_widget_css():
    """A user theme that loads must never take the app down when it is switched on."""
    defaults = Theme(name="probe", primary="#000000").to_color_system().generate()
    lines = [f'"{name}" = "{most_general_value(name, value)}"' for name, value in defaults.items()]
    theme = parse_theme_file(GOOD + "[variables]\n" + "\n".join(lines) + "\n", "ocean.toml")
    app = ManyWidgetsApp()
    async with app.run_test() as pilot:
        app.register_theme(theme)
        app.theme = "ocean"
        await pilot.pause()
        assert app.theme == "ocean"
    assert app.return_code in (None, 0)


def test_theme_file_path_is_read_and_named_by_its_file(tmp_path):
    path = tmp_path / "ocean.toml"
    path.write_text(GOOD)
    assert parse_theme_file(path).name == "ocean"
    path.write_bytes(b'name = "\xff"\n')
    with pytest.raises(ThemeError, match="ocean.toml is not UTF-8"):
        parse_theme_file(path)


# --- packaging -----------------------------------------------------------------------


def test_pyproject_installs_the_themes_folder_as_helpdesk_tui_bundled_themes():
    """A non-editable install must ship themes/*.toml where bundled_themes_dir() looks."""
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    tool = config.get("tool", {})
    hatch = tool.get("hatch", {}).get("build", {}).get("targets", {}).get("wheel", {})
    setuptools = tool.get("setuptools", {})
    shipped_by_hatch = hatch.get("force-include", {}).get("themes") == "helpdesk_tui/bundled_themes"
    shipped_by_setuptools = (
        setuptools.get("package-dir", {}).get("helpdesk_tui.bundled_themes") == "themes"
        and "helpdesk_tui.bundled_themes" in setuptools.get("packages", [])
        and "*.toml" in setuptools.get("package-data", {}).get("helpdesk_tui.bundled_themes", [])
    )
    assert shipped_by_hatch or shipped_by_setuptools
