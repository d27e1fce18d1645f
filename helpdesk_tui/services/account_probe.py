"""``account test``: sign in, then try every read the account's backend declares, one by one.

A mapping file (``--backend generic``) can be wrong in ways signing in does not show: a path to
the tickets that finds nothing, a thread URL that 404s, a lookup that needs another scope. So
after ``check`` each read runs once and says ``ok`` with what it found, or the one sentence of
its failure, and the reads after it still run. A backend that lists its reads (``probes()``,
the generic engine: every read its file declares) is asked for them; any other backend gets
the reads every backend has: the first page of tickets and one thread.

Nothing is written to the helpdesk or the cache; the only thing stored is who we are, as
``account test`` always did (``services/accounts.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from helpdesk_tui.config.settings import Settings
from helpdesk_tui.services import accounts
from helpdesk_tui.services.errors import InvalidRequest, ServiceError

Probe = Callable[[], str]


@dataclass(frozen=True)
class Read:
    """One read's outcome: ``says`` is what it found (ok) or why it failed, one clean sentence."""

    name: str  # "check", "tickets", "thread", "lookup agents", "articles", …
    ok: bool
    says: str

    def to_dict(self) -> dict[str, Any]:
        return {"read": self.name, "ok": self.ok, "says": self.says}


@dataclass(frozen=True)
class Probed:
    reads: list[Read]
    tested: accounts.Tested | None  # None: signing in failed, nothing else was tried

    @property
    def ok(self) -> bool:
        return all(read.ok for read in self.reads)


def probe_account(config_file: Path, settings: Settings, name: str, *,
                  client_options: Mapping[str, Any] | None = None) -> Probed:
    """Sign in as account ``name`` (storing who we are, as ``verify_account`` does), then run each
    read the backend declares. A failed sign-in is the one read reported: nothing else can work."""
    config = settings.accounts.get(name)
    if config is None:
        raise InvalidRequest(f"There is no account named '{name}': 'helpdesk-tui account list' shows them.")
    override = settings.agent.name if settings.agent.explicit else None
    backend, token = accounts.open_backend(config_file, config, client_options=client_options)
    try:
        try:
            signed = accounts.check_backend_signs_in(backend, config, token)
        except ServiceError as error:
            return Probed([Read("check", False, str(error))], None)
        tested = accounts.store_identity(config_file, config, signed, override)
        reads = [Read("check", True, signed.sentence)]
        reads += run_reads(reads_of(backend), config.url or "", token)
        return Probed(reads, tested)
    finally:
        accounts.close_backend(backend)


def reads_of(backend: Any) -> list[tuple[str, Probe]]:
    """The reads after ``check``: the backend's own list (``probes()``), or the ones every backend has."""
    probes = getattr(backend, "probes", None)
    if callable(probes):
        return list(probes())
    return _common_reads(backend)


def _common_reads(backend: Any) -> list[tuple[str, Probe]]:
    """The first page of tickets and the thread of its first ticket (found by the read before)."""
    first: list[Any] = []

    def tickets() -> str:
        page = backend.pull(None)
        first[:] = page.tickets[:1]
        return _count(len(page.tickets), "ticket") + " on the first page"

    def thread() -> str:
        if not first:
            return "no ticket on the first page to read a thread of"
        messages = backend.fetch_thread(first[0])
        return f"{_count(len(messages), 'message')} in ticket {first[0].number}"

    reads: list[tuple[str, Probe]] = [("tickets", tickets), ("thread", thread)]
    capabilities = getattr(backend, "capabilities", None)
    if getattr(capabilities, "kb", False):
        reads.append(("articles", lambda: _count(len(backend.pull_articles(None)[0]), "article")
                      + " on the first page"))
    if getattr(capabilities, "templates", False):
        reads.append(("templates", lambda: _count(len(backend.pull_templates()), "template")))
    return reads


def run_reads(probes: list[tuple[str, Probe]], url: str, token: str) -> list[Read]:
    """Each read in order; a failure is its line, and the reads after it still run."""
    return [_run(name, probe, url, token) for name, probe in probes]


def _run(name: str, probe: Probe, url: str, token: str) -> Read:
    """One read: its summary, or its failure as one sentence (the reads after it still run)."""
    import httpx

    from helpdesk_tui.content import clean_line
    from helpdesk_tui.sync.errors import NotSupported, SyncError

    try:
        return Read(name, True, clean_line(accounts.scrub(str(probe()), token)))
    except NotSupported as error:  # declared by the backend as something it cannot do: not a failure
        return Read(name, True, "not offered: " + clean_line(accounts.scrub(str(error), token)))
    except SyncError as error:
        return Read(name, False, clean_line(accounts.scrub(str(error), token)))
    except httpx.HTTPError as error:
        return Read(name, False, f"Talking to {url} failed ({type(error).__name__}): check the URL and "
                                 "your network.")
    except NotImplementedError:  # a plug-in that has not written this read yet
        return Read(name, True, "not offered by this backend")
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        # A backend that cannot read what the server answered: a bug or a changed API, said in a line.
        return Read(name, False, f"the answer could not be read ({type(error).__name__}: "
                                 f"{clean_line(accounts.scrub(str(error), token))[:160]})")


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


__all__ = ["Probe", "Probed", "Read", "probe_account", "reads_of", "run_reads"]
