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
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_sync import RtServer  # noqa: E402  (this folder: starts RT like the sync benchmark)

from helpdesk_tui.demo.attachment_bytes import demo_png  # noqa: E402
from helpdesk_tui.services import attachments  # noqa: E402
from helpdesk_tui.services.sync import sync_workspace  # noqa: E402
from helpdesk_tui.services.workspace import Workspace  # noqa: E402


def payload(kind: str, size: int) -> tuple[str, str, bytes]:
    if kind == "png":
        return f"screenshot-{size // 1_000_000}MB.png", "image/png", demo_png("bench", size)
    line = b"2026-12-07T11:00:00Z app[4242]: GET /api/orders 200 12ms user=4711 trace=9f2c1e\n"
    return f"server-{size // 1_000_000}MB.log", "text/plain", (line * (size // len(line) + 1))[:size]


def main() -> None:
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
            home = Path(scratch) / "home"
            (home / "config").mkdir(parents=True)
            (home / "config" / "config.toml").write_text(
                f'default_account = "work"\n[accounts.work]\nbackend = "rt"\nurl = "{server.url}"\n', encoding="utf-8")
            os.environ["HELPDESK_TUI_TOKEN_WORK"] = server.token
            ws = Workspace.load(str(home), "work")
            started = time.perf_counter()
            sync_workspace(ws)
            sync_seconds = time.perf_counter() - started
            rows = []
            for (name, _, data), (number, upload) in zip(files, made, strict=True):
                [info] = attachments.attachments_of(ws, number)
                started = time.perf_counter()
                attachments.ensure_local(ws, info.id)
                fetched = time.perf_counter() - started
                started = time.perf_counter()
                saved = attachments.save_copy(ws, info.id, Path(scratch) / "saved")
                copied = time.perf_counter() - started
                same = hashlib.sha256(saved.read_bytes()).hexdigest() == hashlib.sha256(data).hexdigest()
                rows.append((name, len(data), upload, fetched, copied, same))
        print(f"RT {server.url}: sync of the workspace {sync_seconds:.2f} s")
        print(f"{'file':<22} {'bytes':>12} {'upload s':>9} {'ensure_local s':>15} {'save s':>7} {'MB/s':>6}  sha256")
        for name, size, upload, fetched, copied, same in rows:
            rate = size / 1e6 / (fetched + copied)
            print(f"{name:<22} {size:>12,} {upload:>9.2f} {fetched:>15.2f} {copied:>7.2f} {rate:>6.1f}  "
                  f"{'same' if same else 'DIFFERENT'}")
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"peak RSS of this process: {peak:.0f} MB")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
