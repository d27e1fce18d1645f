"""Time to download and save attachments from a real Request Tracker 5 (figures only).

    python benchmarks/bench_attachments.py            # a 5 MB PNG and a 50 MB log
    python benchmarks/bench_attachments.py --png-mb 5 --log-mb 200

Starts RT with ``scripts/servers/rt5.sh`` (as ``bench_sync.py`` does), makes one ticket per
size whose customer message carries the file (REST2 ``POST /ticket`` with ``Attachments``),
syncs a fresh workspace, then times ``services.attachments.ensure_local`` (the download: RT's
``GET /attachment/N`` answers the bytes base64-encoded in JSON) and ``save_copy``, checks the
saved file's sha256 and prints a table. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import httpx  # noqa: E402
from bench_sync import RtServer  # noqa: E402  (this folder: starts RT like the sync benchmark)

from helpdesk_tui.demo.attachment_bytes import demo_png  # noqa: E402
from helpdesk_tui.services import attachments  # noqa: E402
from helpdesk_tui.services.sync import sync_workspace  # noqa: E402
from helpdesk_tui.services.workspace import Workspace  # noqa: E402
from helpdesk_tui.store.attachments import bytes_folder, find_attachment  # noqa: E402


def payload(kind: str, size: int) -> tuple[str, str, bytes]:
    if kind == "png":
        return f"screenshot-{size // 1_000_000}MB.png", "image/png", demo_png("bench", size)
    line = b"2026-12-07T11:00:00Z app[4242]: GET /api/orders 200 12ms user=4711 trace=9f2c1e\n"
    return f"server-{size // 1_000_000}MB.log", "text/plain", (line * (size // len(line) + 1))[:size]


def peak_mb() -> float:
    """This process's peak resident memory: VmHWM (getrusage's maxrss on Linux keeps the parent's
    peak at fork across exec, which would count the uploads made before the child started)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def remote_id(ws: Workspace, attachment_id: str) -> str:
    with ws.cache() as cache, cache.connection() as conn:
        stored = find_attachment(conn, attachment_id, bytes_folder(cache.path))
    assert stored is not None
    return str(stored.meta["remote_id"])


def child(scratch: Path, url: str, token: str, numbers: list[str]) -> None:
    """In a fresh process: sync, then ensure_local and save_copy each ticket's file."""
    home = scratch / "home"
    (home / "config").mkdir(parents=True)
    (home / "config" / "config.toml").write_text(
        f'default_account = "work"\n[accounts.work]\nbackend = "rt"\nurl = "{url}"\n', encoding="utf-8")
    os.environ["HELPDESK_TUI_TOKEN_WORK"] = token
    ws = Workspace.load(str(home), "work")
    started = time.perf_counter()
    sync_workspace(ws)
    print(f"RT {url}: sync of the workspace {time.perf_counter() - started:.2f} s, peak RSS "
          f"{peak_mb():.0f} MB")
    print(f"{'file':<22} {'bytes':>12} {'ensure_local s':>14} {'save s':>7} {'MB/s':>6}  sha256  peak RSS  "
          "RT's answer alone s")
    for number in numbers:
        [info] = attachments.attachments_of(ws, number)
        # RT's own share first: the same GET /attachment/N, its answer read and thrown away.
        started = time.perf_counter()
        with httpx.Client(headers={"Authorization": f"token {token}"}, timeout=600) as http, \
                http.stream("GET", f"{url}/REST/2.0/attachment/{remote_id(ws, info.id)}") as answer:
            for _ in answer.iter_bytes(1 << 20):
                pass
        raw = time.perf_counter() - started
        times = []
        for _ in range(2):  # twice: the second from an empty cache again, to see the spread
            for cached in bytes_folder(ws.db_path).glob("*"):
                cached.unlink()
            started = time.perf_counter()
            attachments.ensure_local(ws, info.id)
            times.append(time.perf_counter() - started)
        started = time.perf_counter()
        saved = attachments.save_copy(ws, info.id, scratch / "saved", overwrite=True)
        copied = time.perf_counter() - started
        peak = peak_mb()
        digest = hashlib.sha256()
        with saved.open("rb") as stream:
            for block in iter(lambda: stream.read(1 << 20), b""):
                digest.update(block)
        same = digest.hexdigest() == (scratch / f"{number}.sha256").read_text()
        size = saved.stat().st_size
        fetched = min(times)
        print(f"{info.name:<22} {size:>12,} {times[0]:>7.2f} {times[1]:>6.2f} {copied:>7.2f} "
              f"{size / 1e6 / (fetched + copied):>6.1f}  {'same' if same else 'DIFFERENT'}  {peak:>5.0f} MB  "
              f"{raw:>6.2f}")


def main() -> None:
    if sys.argv[1:2] == ["--child"]:
        child(Path(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5:])
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--png-mb", type=int, default=5)
    parser.add_argument("--log-mb", type=int, default=50)
    args = parser.parse_args()
    server = RtServer(workers=2)
    server.start()
    try:
        files = [payload("png", args.png_mb * 1_000_000), payload("log", args.log_mb * 1_000_000)]
        made = []
        with server.client() as http:
            http.timeout = 600
            for n, (name, media_type, data) in enumerate(files):
                started = time.perf_counter()
                answer = http.post("/ticket", json={
                    "Queue": "General", "Subject": f"Attachment benchmark {n}", "Requestor": f"bench{n}@example.com",
                    "Content": "The file is attached.", "ContentType": "text/plain",
                    "Attachments": [{"FileName": name, "FileType": media_type,
                                     "FileContent": base64.b64encode(data).decode()}]})
                answer.raise_for_status()
                made.append((str(answer.json()["id"]), time.perf_counter() - started))
        with tempfile.TemporaryDirectory() as scratch:
            for (_, _, data), (number, _) in zip(files, made, strict=True):
                (Path(scratch) / f"{number}.sha256").write_text(hashlib.sha256(data).hexdigest())
            del files  # the child measures its own memory; ours held the uploads
            # A child process per run: its peak RSS is the download's and the save's alone.
            done = subprocess.run([sys.executable, __file__, "--child", scratch, server.url, server.token,
                                   *[number for number, _ in made]], capture_output=True, text=True, timeout=1800)
            if done.returncode != 0:
                raise SystemExit(done.stderr[-3000:])
            print(done.stdout, end="")
        for number, upload in made:
            print(f"ticket {number}: created with its file through REST2 in {upload:.2f} s")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
