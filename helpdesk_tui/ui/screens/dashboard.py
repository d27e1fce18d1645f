"""The KPI dashboard: tiles, charts over days, a bar and a row per agent (key K).

The report is read and computed in a worker thread (``store.kpi_data``); this screen only
draws it. Figures are formatted by ``reports.kpi_figures``, as in ``helpdesk-tui stats``, so
the two always agree. Agent names and rating comments are strangers' text: they reach the
screen only as cleaned ``rich.text.Text`` (and cleaned strings inside the charts).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, tzinfo

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal
from textual.screen import Screen
from textual.widgets import DataTable, Static
from textual.worker import Worker, WorkerState, get_current_worker

from helpdesk_tui.ui.widgets.fitting_footer import FittingFooter
from helpdesk_tui.ui.worker_errors import log_failure
from helpdesk_tui.content import clean_line, safe_line
from helpdesk_tui.reports.kpi_figures import format_duration, format_percent, format_rate
from helpdesk_tui.domain.kpi_report import UNASSIGNED, KpiReport, Window
from helpdesk_tui.services.types import Cache
from helpdesk_tui.services.reports import kpi_report
from helpdesk_tui.ui.widgets.bar_chart import BarChart

TILES = ("ack", "upd", "frt", "res", "breaches", "fcr", "csat", "backlog")
AGENT_BARS = 12  # agents in the bar chart, busiest first
COMMENTS_SHOWN = 4


def _hours(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 3600, 2)


def tile_values(report: KpiReport) -> dict[str, tuple[str, str, str]]:
    """(title, figure, detail) per tile, formatted as the CLI formats them."""
    t = report.total
    ack, upd, res = t.acknowledge, t.first_update, t.resolution_target
    return {
        "ack": ("Acknowledged on time", format_percent(ack.rate), f"{ack.met}/{ack.settled}"),
        "upd": ("First update on time", format_percent(upd.rate), f"{upd.met}/{upd.settled}"),
        "frt": ("First response", format_duration(t.first_response.median),
                f"p90 {format_duration(t.first_response.p90)}"),
        "res": ("Resolution", format_duration(t.resolution.median), f"p90 {format_duration(t.resolution.p90)}"),
        "breaches": ("Breaches ack/upd/res", str(t.breaches), f"{ack.breached}/{upd.breached}/{res.breached}"),
        "fcr": ("First contact", format_percent(t.fcr), f"{t.first_contact}/{t.solved} solved"),
        "csat": ("Satisfaction", format_percent(t.satisfaction), f"{t.good} good · {t.bad} bad"),
        "backlog": ("Backlog now", str(t.backlog), f"{t.created} new in window"),
    }


class Cancelled(Exception):
    """The worker computing the figures was cancelled: a newer window, or the dashboard closed."""


def stop_if_cancelled(worker: Worker) -> Callable[[], None]:
    """What the KPI reader calls every thousand rows: a stale computation stops there instead
    of running on for seconds on a big cache. (The UI stays responsive without resting: the
    reader spends much of its time in SQLite, which lets go of the interpreter lock; measured
    on a million tickets, the UI's 10 ms timer ran at p95 15 ms while a week was computed.)"""

    def check() -> None:
        if worker.is_cancelled:
            raise Cancelled

    return check


class Tile(Static):
    """One figure: a title, the number, a line of detail (beside the number when it fits).

    The detail on the number's line was cut at 100 columns ("10 good · 0", "139 new in").
    """

    DEFAULT_CSS = """
    Tile { height: auto; border: round $primary-muted; padding: 0 1; }
    """

    def show(self, title: str, figure: str, detail: str) -> None:
        self._shown = (title, figure, detail)
        self._draw()

    def on_resize(self) -> None:
        if getattr(self, "_shown", None):
            self._draw()

    def _draw(self) -> None:
        title, figure, detail = self._shown
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(title + "\n", "dim")
        text.append(figure, "bold")
        beside = self.content_size.width <= 0 or len(figure) + 2 + len(detail) <= self.content_size.width
        text.append("  " if beside else "\n")
        text.append(detail, "dim")
        self.update(text)


class DashboardScreen(Screen[None]):
    """How support is doing over the last 7, 30 or 90 days."""

    AUTO_FOCUS = ""  # focusing the table would scroll a short terminal past the tiles
    BINDINGS = [
        Binding("escape,q", "close", "Close", id="dashboard.close", tooltip="Back to the inbox"),
        Binding("7", "window(7)", "7 days", id="dashboard.7d", tooltip="KPIs of the last 7 days"),
        Binding("3", "window(30)", "30 days", id="dashboard.30d", tooltip="KPIs of the last 30 days"),
        Binding("9", "window(90)", "90 days", id="dashboard.90d", tooltip="KPIs of the last 90 days"),
        Binding("b", "bars", "Bars: replies/solved", id="dashboard.bars",
                tooltip="Bar per agent: public replies, or tickets solved"),
        Binding("down,j", "scroll_down", "Scroll down", id="dashboard.down", show=False,
                tooltip="Scroll the dashboard (a short terminal shows part of it)"),
        Binding("up,k", "scroll_up", "Scroll up", id="dashboard.up", show=False, tooltip="Scroll the dashboard"),
    ]

    DEFAULT_CSS = """
    DashboardScreen {
        layout: vertical;
        overflow-y: auto;  /* below ~40 rows the charts keep their height and the screen scrolls */
        #kpi-title { height: 1; padding: 0 1; background: $panel; }
        #tiles { layout: grid; grid-size: 4 2; grid-rows: auto; height: auto; }
        #charts { height: 1fr; min-height: 11; }
        #agents { height: 1fr; min-height: 11; }
        PlotextPlot { border: round $primary-muted; }
        #agent-table { width: 1fr; border: round $primary-muted; }
        #agent-bars { width: 36; height: 1fr; border: round $primary-muted; }
        #comments { height: auto; max-height: 6; padding: 0 1; }
    }
    """

    def __init__(self, cache: Cache, clock: Callable[[], datetime], tz: tzinfo, days: int = 7) -> None:
        super().__init__()
        self.cache = cache
        self.clock = clock
        self.tz = tz
        self.days = days
        self.report: KpiReport | None = None
        self.bars = "replies"

    def compose(self) -> ComposeResult:
        yield Static(id="kpi-title")
        with Grid(id="tiles"):
            for name in TILES:
                yield Tile(id=f"tile-{name}")
        with Horizontal(id="charts"):
            # Imported here: plotext takes ~60 ms to import, paid when the dashboard first opens
            # rather than on the way to the workstation's first frame.
            from textual_plotext import PlotextPlot

            yield PlotextPlot(id="backlog-chart")
            yield PlotextPlot(id="response-chart")
        with Horizontal(id="agents"):
            yield BarChart(id="agent-bars")
            yield DataTable(id="agent-table", cursor_type="row", zebra_stripes=True)
        yield Static(id="comments")
        yield FittingFooter()

    def on_mount(self) -> None:
        table = self.query_one("#agent-table", DataTable)
        for label in ("Agent", "Replies", "Rep/h", "Solved", "FCR", "FRT", "Res", "Ack", "Breach", "CSAT"):
            table.add_column(Text(label), key=label)
        self.query_one("#agent-table").border_title = "Per agent"
        self.refresh_report()

    # ----- computing
    def refresh_report(self) -> None:
        now = self.clock()
        window = Window(now - timedelta(days=self.days), now, self.tz)
        self.query_one("#kpi-title", Static).update(Text(f"KPIs · last {self.days} days · computing…", "bold"))
        self._compute(window)

    @work(thread=True, exclusive=True, group="kpis", exit_on_error=False)
    def _compute(self, window: Window) -> None:
        try:
            report = kpi_report(self.cache, window, pause=stop_if_cancelled(get_current_worker()))
        except Cancelled:
            return
        self.app.call_from_thread(self.show_report, report)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group == "kpis" and event.state == WorkerState.ERROR:
            log_failure(event.worker)
            self.query_one("#kpi-title", Static).update(Text("KPIs could not be computed: " +
                                                             clean_line(str(event.worker.error)), "bold"))
            self.notify("The KPIs could not be computed from the cache.", severity="error")

    # ----- drawing
    def show_report(self, report: KpiReport) -> None:
        if not self.is_attached:
            return  # closed while computing
        self.report = report
        w = report.window
        title = Text(no_wrap=True, overflow="ellipsis")
        title.append(f"KPIs · last {self.days} days", "bold")
        title.append(f"  {w.start.astimezone(w.tz):%Y-%m-%d %H:%M} → {w.end.astimezone(w.tz):%Y-%m-%d %H:%M}")
        self.query_one("#kpi-title", Static).update(title)
        for name, (label, figure, detail) in tile_values(report).items():
            self.query_one(f"#tile-{name}", Tile).show(label, figure, detail)
        self._draw_backlog(report)
        self._draw_response_times(report)
        self._draw_agent_bars(report)
        self._fill_agent_table(report)
        self._show_comments(report)

    def _day_axis(self, plt, report: KpiReport) -> None:
        labels = [row.key[5:] for row in report.days]  # MM-DD
        step = max(1, len(labels) // 8)
        ticks = list(range(0, len(labels), step))
        plt.xticks(ticks, [labels[i] for i in ticks])

    def _draw_backlog(self, report: KpiReport) -> None:
        from textual_plotext import PlotextPlot

        widget = self.query_one("#backlog-chart", PlotextPlot)
        widget.border_title = "Backlog each day · new tickets"
        plt = widget.plt
        plt.clear_data()
        plt.clear_figure()
        x = list(range(len(report.days)))
        plt.plot(x, [row.backlog or 0 for row in report.days], label="backlog")
        plt.bar(x, [row.created for row in report.days], label="new")
        self._day_axis(plt, report)
        widget.refresh()

    def _draw_response_times(self, report: KpiReport) -> None:
        from textual_plotext import PlotextPlot

        widget = self.query_one("#response-chart", PlotextPlot)
        widget.border_title = "First response, hours: median · p90"
        plt = widget.plt
        plt.clear_data()
        plt.clear_figure()
        points = [(i, _hours(row.first_response.median), _hours(row.first_response.p90))
                  for i, row in enumerate(report.days) if row.first_response.count]
        if points:
            plt.plot([p[0] for p in points], [p[1] for p in points], label="median")
            plt.plot([p[0] for p in points], [p[2] for p in points], label="p90")
            self._day_axis(plt, report)
        widget.refresh()

    def _draw_agent_bars(self, report: KpiReport) -> None:
        replies = self.bars == "replies"
        rows = [r for r in report.agents if r.key != UNASSIGNED]
        rows.sort(key=lambda r: -(r.replies if replies else r.solved))
        title = "Public replies per agent" if replies else "Tickets solved per agent"
        self.query_one("#agent-bars", BarChart).show(
            title, [(r.key, float(r.replies if replies else r.solved)) for r in rows[:AGENT_BARS]])

    def _fill_agent_table(self, report: KpiReport) -> None:
        table = self.query_one("#agent-table", DataTable)
        table.clear()
        for row in (*report.agents, report.total):
            name = safe_line(row.key, "bold" if row is report.total else "")
            table.add_row(
                name, Text(str(row.replies), justify="right"), Text(format_rate(row.replies_per_hour), justify="right"),
                Text(str(row.solved), justify="right"), Text(format_percent(row.fcr), justify="right"),
                Text(format_duration(row.first_response.median), justify="right"),
                Text(format_duration(row.resolution.median), justify="right"),
                Text(format_percent(row.acknowledge.rate), justify="right"), Text(str(row.breaches), justify="right"),
                Text(format_percent(row.satisfaction), justify="right"))

    def _show_comments(self, report: KpiReport) -> None:
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append("Latest rating comments", "bold")
        if not report.comments:
            text.append(": none in this window", "dim")
        for comment in report.comments[:COMMENTS_SHOWN]:
            text.append("\n")
            text.append(f"{comment.score:<4} ", "bold" if comment.score == "good" else "bold reverse")
            text.append(f"#{comment.ticket_number} " if comment.ticket_number else "", "dim")
            text.append_text(safe_line(comment.agent or "", "dim"))
            text.append("  ")
            text.append_text(safe_line(comment.comment))
        self.query_one("#comments", Static).update(text)

    # ----- keys
    def action_window(self, days: int) -> None:
        if days != self.days or self.report is None:
            self.days = days
            self.refresh_report()

    def action_bars(self) -> None:
        self.bars = "solved" if self.bars == "replies" else "replies"
        if self.report is not None:
            self._draw_agent_bars(self.report)

    def action_close(self) -> None:
        self.dismiss(None)
