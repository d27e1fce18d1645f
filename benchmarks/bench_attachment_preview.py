"""Opening an attachment's preview: a 5 MB picture and a 50 MB log, in a temporary cache.

    python benchmarks/bench_attachment_preview.py [--repeats 5] [--json OUT]

Builds a small demo workspace in a temp folder, gives ticket #10405's first message two
attachments whose bytes are in the cache (a 5 MB PNG of noise, which compresses to nothing
less, and a 50 MB log), and prints, median of --repeats:

* services: ``ensure_local`` + ``decode_image`` of the picture; ``ensure_local`` + ``read_text``
  of the log (what the viewer's worker does);
* app (Pilot, headless, 160x45): ``v`` pressed on the selected attachment → the viewer has the
  picture (or the text) and has painted it, the way tests/test_ui_attachment_viewing.py does;
* pty (the real app in a 160x45 pseudo-terminal, see pty_harness.py): ``v`` written → the end of
  the first frame showing the picture ("pixels shown") or the log ("Showing the first").
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(os.environ.get("HELPDESK_BENCH_APP_ROOT") or Path(__file__).resolve().parent.parent)
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))


def make_png(path: Path, size: int) -> None:
    """A PNG of random pixels about ``size`` bytes long (noise does not compress)."""
    from PIL import Image

    side = int((size / 3) ** 0.5)
    rng = random.Random(5)
    Image.frombytes("RGB", (side, side), rng.randbytes(side * side * 3)).save(path, "PNG", compress_level=1)


def make_log(path: Path, size: int) -> None:
    line = b"2026-11-20T09:30:00Z worker-3 INFO request handled in 12 ms: GET /api/v2/tickets?page=%07d\n"
    with path.open("wb") as out:
        written, n = 0, 0
        while written < size:
            chunk = b"".join(line % (n + i) for i in range(10_000))
            out.write(chunk)
            written += len(chunk)
            n += 10_000


def setup(folder: Path):
    import sqlite3

    from helpdesk_tui.services.workspace import Workspace
    from helpdesk_tui.store.attachments import bytes_folder

    home = folder / "home"
    ws = Workspace.load(str(home), "demo")
    ws.build_demo(seed=7, tickets=1200, quiet=True)
    conn = sqlite3.connect(ws.db_path)
    (mid,) = conn.execute("SELECT m.id FROM messages m JOIN tickets t ON t.id = m.ticket_id WHERE t.number = 10405 "
                          "ORDER BY m.created_at, m.id LIMIT 1").fetchone()
    cache = bytes_folder(ws.db_path)
    cache.mkdir(exist_ok=True)
    make_png(cache / f"{mid}-1", 5_000_000)
    make_log(cache / f"{mid}-2", 50_000_000)
    metas = [{"filename": "big.png", "content_type": "image/png", "size": (cache / f"{mid}-1").stat().st_size},
             {"filename": "server.log", "content_type": "text/plain", "size": (cache / f"{mid}-2").stat().st_size}]
    conn.execute("UPDATE messages SET attachments = ? WHERE id = ?", (json.dumps(metas), mid))
    conn.commit()
    conn.close()
    return ws, f"{mid}-1", f"{mid}-2"


def services_times(ws, picture: str, log: str, repeats: int) -> dict[str, float]:
    from helpdesk_tui.services import attachment_opening as opening
    from helpdesk_tui.services import attachments

    out: dict[str, list[float]] = {"services_picture_ms": [], "services_log_ms": []}
    for _ in range(repeats):
        start = time.perf_counter()
        opening.decode_image(attachments.ensure_local(ws, picture))
        out["services_picture_ms"].append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        opening.read_text(attachments.ensure_local(ws, log))
        out["services_log_ms"].append((time.perf_counter() - start) * 1000)
    return {k: statistics.median(v) for k, v in out.items()}


async def app_time(ws, presses: int) -> float:
    """``v`` on the presses-th attachment → the viewer loaded and painted, in ms."""
    from helpdesk_tui.config.settings import SendSettings, Settings, UISettings
    from helpdesk_tui.store.cache import Cache
    from helpdesk_tui.ui.app import AppOptions, HelpdeskApp
    from helpdesk_tui.ui.screens.attachment_viewer import AttachmentScreen
    from helpdesk_tui.ui.themes import bundled_themes_dir

    tmp = Path(tempfile.mkdtemp())
    app = HelpdeskApp(AppOptions(
        cache=Cache(ws.db_path, "demo"), settings=Settings(ui=UISettings(clock=False), send=SendSettings(delay_seconds=0)),
        state_file=tmp / "state.json", bundled_themes=bundled_themes_dir(), user_themes=tmp / "themes",
        clock=lambda: datetime(2026, 11, 20, 9, 30, tzinfo=UTC), live=False, templates_dir=tmp / "templates",
        tz=UTC, workspace=ws))
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        app.workstation.open_ticket(app.cache.find_ticket("10405").id, focus=True)
        await pilot.pause()
        await pilot.press(*["a"] * presses)
        start = time.perf_counter()
        await pilot.press("v")
        while not (isinstance(app.screen, AttachmentScreen) and (app.screen.loaded or app.screen.error)):
            await asyncio.sleep(0.002)
        await pilot.pause()  # the frame with it
        app.screen._compositor.render_strips()
        elapsed = (time.perf_counter() - start) * 1000
        assert app.screen.error is None, app.screen.error
    return elapsed


def pty_times(home: Path, repeats: int) -> dict[str, float]:
    """``v`` → the first frame with the preview, in the real app on a pseudo-terminal (ms)."""
    from pty_harness import Terminal

    argv = [sys.executable, "-m", "helpdesk_tui", "--home", str(home), "demo"]
    out: dict[str, list[float]] = {"pty_picture_ms": [], "pty_log_ms": []}
    for _ in range(repeats):
        term = Terminal(argv, cwd=str(ROOT), env={**os.environ, "PYTHONPATH": str(ROOT)})
        term.spawn()
        try:
            if term.wait_for_text(lambda t: "10405" in t, 120) is None:
                raise RuntimeError(f"no inbox frame:\n{term.screen_tail()}")
            term.wait_quiet(0.5, 10)
            term.press("enter")  # opens #10405 (first in the inbox) with the thread focused
            term.wait_quiet(0.3, 10)
            for figure, shown in (("pty_picture_ms", "pixels shown"), ("pty_log_ms", "Showing the first")):
                term.press("a")  # the next attachment: the picture, then the log
                term.wait_quiet(0.3, 10)
                since = len(term.output)
                sent = term.send(b"v")
                done = term.wait_for_text(lambda t, shown=shown: shown in t, 30, since=since)
                if done is None:
                    raise RuntimeError(f"no preview frame:\n{term.text(since)[:3000]!r}")
                out[figure].append((done - sent) * 1000)
                term.wait_quiet(0.3, 10)
                term.press("escape")
                term.wait_quiet(0.3, 10)
        finally:
            term.close()
    return {k: statistics.median(v) for k, v in out.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        ws, picture, log = setup(Path(folder))
        figures = services_times(ws, picture, log, args.repeats)
        figures["app_picture_ms"] = statistics.median(asyncio.run(app_time(ws, 1)) for _ in range(args.repeats))
        figures["app_log_ms"] = statistics.median(asyncio.run(app_time(ws, 2)) for _ in range(args.repeats))
        figures.update(pty_times(Path(folder) / "home", args.repeats))
    for name, value in figures.items():
        print(f"{name:<22} {value:8.1f}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
