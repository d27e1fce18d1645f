"""Delivering commands the way a mapping's ``writes:`` section says, exactly once.

``Writer.push`` turns a Reply, Note, Update or NewTicket into the operation's steps: our
values become the helpdesk's (``values``: tables, lookups by name), files travel as the
mapping says (``write_files.py``), and everything a command asks that the mapping cannot send
is refused with ``NotSupported`` before the first request (never dropped: the outbox would
show it as sent). ``find_delivered`` finds a write whose answer was lost (the thread read
back, a marker searched, or nothing: the idempotency key is sent again), and
``current_version`` reads the ticket's version token.

Exactly once rests on two things here: a write's 5xx or timeout is an ``UnknownOutcome``
(the shared ``HttpClient`` never repeats a POST/PUT/PATCH unless it carries an idempotency
key), and a reply's status change goes first when it needs a request of its own, so a lost
answer never leaves a reply found on the server whose status change was not made.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, Protocol

from helpdesk_tui.content import html_to_text
from helpdesk_tui.domain.vocab import MessageKind
from helpdesk_tui.sync import errors
from helpdesk_tui.sync.commands import KEEP, Command, NewTicket, Note, Reply, Update
from helpdesk_tui.sync.contract import CLOCK_SKEW, Capabilities, Concurrency, PushResult, RemoteMessage, carries_files
from helpdesk_tui.sync.errors import NotSupported
from helpdesk_tui.sync.generic.requests import Answer, Requester
from helpdesk_tui.sync.generic.write_files import ready_files
from helpdesk_tui.sync.generic.writes_spec import (
    ABSENT, WRITE_ROOTS, Operation, Pick, WriteSpec, parse_writes,
)
from helpdesk_tui.sync.parsing import same_text

__all__ = ["WRITE_ROOTS", "Lookup", "WriteSpec", "Writer", "parse_writes"]
log = logging.getLogger(__name__)
# Failures after which trying again later may succeed: after part of a write landed, they
# become an unknown outcome (the outbox looks before it repeats anything).
_TRANSIENT = (errors.Unreachable, errors.ServerError, errors.RateLimited, errors.UnknownOutcome)

_OPERATION = {Reply: "reply", Note: "note", Update: "update", NewTicket: "new_ticket"}
_WHAT = {"reply": "a reply", "note": "an internal note", "update": "a ticket change", "new_ticket": "a new ticket"}


class Lookup(Protocol):
    """A name ↔ id list of the helpdesk (agents, groups…): ``sync/generic/lookups.py``."""

    def id_for(self, name: str) -> Any | None: ...

    def name_for(self, id: Any) -> str | None: ...

    def names(self) -> list[str]: ...


class _Cleared:
    """A field the command clears: kept in the body by the templates (a lone placeholder with
    no value is left out) and sent as JSON null."""

    def __str__(self) -> str:
        return ""

    def __repr__(self) -> str:
        return "CLEARED"


CLEARED: Any = _Cleared()


class Writer:
    """Sends one account's commands through ``requester`` as ``spec`` describes."""

    def __init__(self, spec: WriteSpec, requester: Requester, *, lookup: Callable[[str], Lookup],
                 fetch_thread: Callable[[str], list[RemoteMessage]], capabilities: Capabilities, label: str,
                 clock: Callable[[], float] = time.time) -> None:
        self.spec = spec
        self.requester = requester
        self.lookup = lookup
        self.fetch_thread = fetch_thread
        self.capabilities = capabilities
        self.label = label
        self.clock = clock
        if capabilities.idempotency and spec.node is not None:
            # The outbox then sends a write again without looking: each one must carry the key.
            for operation in spec.operations.values():
                if spec.delivered_for(operation).header is None:
                    raise operation.node.error(
                        "is sent again as it is after a lost answer (capabilities.idempotency is true), but it "
                        "carries no idempotency key: use delivered type idempotency_header")

    # --- push ------------------------------------------------------------------------------

    def push(self, command: Command, ticket_remote_id: str, version: str | None, *,
             agent: Mapping[str, Any]) -> PushResult:
        """Deliver ``command`` (see ``Backend.push``); ``agent`` is who we are signed in as."""
        operation = self._operation(command)
        if isinstance(command, (Reply, Note)) and command.status and not operation.sends("status"):
            # The message's endpoint cannot change the status: the update does it, first (see above).
            update = self._operation_named("update", f"change the status with {_WHAT[operation.name]}")
            if not update.sends("status"):
                raise NotSupported(f"{self.label} cannot change the status with {_WHAT[operation.name]}: "
                                   "send it without the status change.")
            first = self._run(update, Update(command.id, command.created_at, status=command.status),
                              ticket_remote_id, version, agent)
            version = first.version
        return self._run(operation, command, ticket_remote_id, version, agent)

    def _operation(self, command: Command) -> Operation:
        name = _OPERATION[type(command)]
        return self._operation_named(name, f"take {_WHAT[name]}")

    def _operation_named(self, name: str, doing: str) -> Operation:
        operation = self.spec.operations.get(name)
        if operation is None:
            raise NotSupported(f"{self.label} cannot {doing} from here (its mapping has no writes.{name}).")
        return operation

    def _run(self, operation: Operation, command: Command, ticket_remote_id: str, version: str | None,
             agent: Mapping[str, Any]) -> PushResult:
        values = self._values(operation, command)  # NotSupported here: nothing has been sent
        files = command.attachments
        if files and not self._carries_files(operation):
            raise NotSupported(f"{self.label} cannot attach files to {_WHAT[operation.name]} from here: "
                               "send it without them, or attach them to a reply.")
        if isinstance(command, Update) and not values:
            return PushResult(version=version)  # nothing the helpdesk keeps changed (a checkpoint)
        extra: dict[str, Any] = {
            "agent": dict(agent), "ticket": _ticket(ticket_remote_id, version),
            "command": _command(command), "steps": [], **{name: None for name in ("status", "priority", "assignee",
                                                                                  "group", "tags")},
            **values,
        }
        ready = ready_files(self.spec.attachments, files, self.requester, extra, memo_key=self._memo_key(),
                            label=self.label, clock=self.clock)
        extra.update(ready.context)
        answers = self._steps(operation, command, extra, version, ready.parts)
        sent = (answer is not None and step.request.writes for step, answer in zip(operation.steps, answers, strict=True))
        if not any(sent):
            # Every writing step's `when` left it out: nothing was sent, so it must not show as sent.
            raise NotSupported(f"{self.label} cannot take this {_WHAT[operation.name]} with the account's options "
                               "(its mapping sends nothing then): set the options it asks for with "
                               "'helpdesk-tui account add … --option KEY=VALUE'.")
        context = {**extra, "steps": [a.context() if a else None for a in answers]}
        if operation.verify is not None:
            try:
                self._verify(operation, context, values)
            except _TRANSIENT as exc:  # written, not checked: the outbox looks before any repeat
                raise errors.UnknownOutcome(f"{self.label} took the change but could not be re-read: {exc}") from None
            except errors.NotSupported:
                raise  # read back, and not made: the helpdesk ignored the change
            except errors.SyncError as exc:
                # The write was accepted; only the check could not be made (an agent who may write
                # but not read it back, an odd answer). As a failure, a retry would repeat it (a
                # second reply); as an unknown outcome an update would be re-sent each sync.
                log.warning("%s took the change but its check could not be read (%s): left unchecked",
                            self.label, exc)
        return self._result(operation, command, ticket_remote_id, answers)

    def _steps(self, operation: Operation, command: Command, extra: dict[str, Any], version: str | None,
               parts: list[Any]) -> list[Answer | None]:
        answers: list[Answer | None] = []
        writes = 0
        delivered = self.spec.delivered_for(operation)
        version_spec = self.spec.version
        sends_version = version is not None and version_spec is not None \
            and self.capabilities.concurrency is not Concurrency.NONE
        files_sent = False
        landed = False  # a write step was answered: the helpdesk has changed
        said = False  # a step that writes the message's words was answered
        for step in operation.steps:
            context = {**extra, "steps": [a.context() if a else None for a in answers]}
            full = self.requester.context(context)
            if (step.when is not None and not _present(step.when.render(full))) or \
                    (step.unless is not None and _present(step.unless.render(full))):
                answers.append(None)
                continue
            request = step.request
            headers: dict[str, str] = {}
            idempotent: bool | None = None
            json_key: tuple[str, ...] | None = None
            if request.writes:
                # The version guards a change to what exists (PUT, PATCH, DELETE); a POST creates
                # (a message, an upload) and a server may refuse a precondition there.
                if sends_version and version_spec is not None and request.method != "POST":
                    if version_spec.header:
                        headers[version_spec.header] = str(version)
                    json_key = version_spec.json
                if delivered.header:
                    # One key per write step: a server may refuse a key seen on another request.
                    headers[delivered.header] = command.id if writes == 0 else f"{command.id}.{writes}"
                    idempotent = True  # the server answers a repeat with the first answer
                writes += 1
            files = None
            if request.body_kind == "multipart" and not files_sent:
                files, files_sent = parts, True
            try:
                answer = self.requester.send(request, context, files=files, idempotent=idempotent,
                                             extra_headers=headers, adjust=_adjuster(json_key, version))
            except _TRANSIENT as exc:
                if landed:
                    # An earlier step already changed the helpdesk: "try again" would repeat it.
                    raise errors.UnknownOutcome(f"Part of the {_WHAT[operation.name].split(' ', 1)[1]} reached "
                                                f"{self.label}, then: {exc}") from None
                raise
            except errors.SyncError as exc:
                if said and not isinstance(exc, errors.Conflict):
                    # The message's words landed and a later step was refused: a failed item
                    # would be sent again by a retry (the customer reads it twice). Unknown: the
                    # outbox looks for the message before anything is repeated, and sends it
                    # again only when it is not on the ticket (e.g. a message never linked to it).
                    raise errors.UnknownOutcome(f"The {_WHAT[operation.name].split(' ', 1)[1]} reached "
                                                f"{self.label}, then a later step was refused: {exc}") from None
                raise
            if request.writes and version_spec is not None and answer.status in version_spec.conflict:
                raise errors.Conflict(f"The ticket changed on {self.label} since it was read ({answer.status}).")
            if step.check_version is not None and version is not None \
                    and _text(step.check_version(answer.body)) != str(version):
                raise errors.Conflict(f"The ticket changed on {self.label} since it was read.")
            landed = landed or request.writes
            said = said or step.says
            answers.append(answer)
        return answers

    def _result(self, operation: Operation, command: Command, ticket_remote_id: str,
                answers: list[Answer | None]) -> PushResult:
        """What the delivered write made. Reads made here come after the write landed: one that
        fails leaves a value unknown (None), never the write looking unsent (it would be repeated)."""
        new_id = _text(_pick(operation.new_id, answers))
        version = _text(_pick(operation.version, answers))
        if isinstance(command, NewTicket):
            number_text = _text(_pick(operation.number, answers))
            if new_id is None:  # by its marker; None: the outbox marks it unknown and looks later
                new_id = self._after_write(lambda: self.find_delivered(command, ""))
            number = int(number_text) if number_text and number_text.isdigit() else None
            return PushResult(remote_id=new_id, number=number, version=version)
        if new_id is None and isinstance(command, (Reply, Note)):
            # The answer does not say which message it made: it is read back from the thread
            # (not found: the next sync adopts our message by its words).
            new_id = self._after_write(lambda: self.find_delivered(command, ticket_remote_id))
        if version is None and self.capabilities.concurrency is not Concurrency.NONE:
            version = self._after_write(lambda: self.current_version(ticket_remote_id))
        return PushResult(remote_id=new_id, version=version)

    def _after_write(self, read: Callable[[], str | None]) -> str | None:
        try:
            return read()
        except errors.SyncError as exc:
            log.info("a read after a delivered write failed (%s): left for the next sync", exc)
            return None

    # --- values ----------------------------------------------------------------------------

    def _values(self, operation: Operation, command: Command) -> dict[str, Any]:
        """The helpdesk's values for what ``command`` changes; ``NotSupported`` for any it
        cannot send."""
        ours: dict[str, Any] = {}
        if isinstance(command, (Reply, Note)):
            if command.status and operation.sends("status"):
                ours["status"] = command.status
        elif isinstance(command, Update):
            if command.status:
                ours["status"] = command.status
            if command.priority:
                ours["priority"] = command.priority
            for name in ("assignee", "group", "tags"):
                value = getattr(command, name)
                if value is not KEEP:
                    ours[name] = value
        else:
            ours = {name: value for name in ("status", "priority", "assignee", "group", "tags")
                    if (value := getattr(command, name))}
            # (The requester's name is not required: a helpdesk that takes only the address
            # names the customer after it, and nothing the agent chose is lost.)
            for name, used in (("command.cc", command.cc), ("command.requester_email", command.requester)):
                if used and not operation.sends(name):
                    raise NotSupported(f"{self.label}'s mapping does not send a new ticket's "
                                       f"{name.split('.')[1].replace('_', ' ')}: open it without it.")
        theirs: dict[str, Any] = {}
        for name, value in ours.items():
            if not operation.sends(name):
                raise NotSupported(f"{self.label} cannot set the {name} with {_WHAT[operation.name]} from here "
                                   "(its mapping does not send it): leave it unchanged.")
            theirs[name] = self._theirs(operation, name, value)
        return theirs

    def _theirs(self, operation: Operation, name: str, value: Any) -> Any:
        values = self.spec.values_for(operation, name)
        if value is None or (name in ("assignee", "group") and value == ""):
            if values is None or values.none is ABSENT:
                raise NotSupported(f"{self.label} cannot clear the {name} from here: choose one instead.")
            return CLEARED if values.none is None else values.none
        if name == "tags":
            tags = [str(tag) for tag in value]
            return values.join.join(tags) if values is not None and values.join is not None else tags
        text = str(value)
        if values is None:
            return text
        if values.table is not None:
            if text in values.table:
                found = values.table[text]
                return CLEARED if found is None else found
            if values.lookup is None:
                raise NotSupported(f"{self.label} has no {name} {text!r}: choose another.")
        if values.lookup is not None:
            lookup = self.lookup(values.lookup)
            found = lookup.id_for(text)
            if found is None:
                known = ", ".join(lookup.names()[:8])
                raise NotSupported(f"{self.label} has no {name} named {text!r}: choose one it knows"
                                   f"{' (' + known + ')' if known else ''}.")
            return found
        return text

    def _carries_files(self, operation: Operation) -> bool:
        kind = self.spec.attachments.type
        return (kind == "multipart" and operation.multipart) or (kind == "base64" and operation.sends("attachments")) \
            or (kind == "upload_token" and operation.sends("uploads"))

    def _memo_key(self) -> str:
        # Tokens belong to one server: an attachment sent to another account uploads again.
        return f"generic:{self.requester.base.get('origin') or self.label}"

    # --- verify ----------------------------------------------------------------------------

    def _verify(self, operation: Operation, context: dict[str, Any], sent: Mapping[str, Any]) -> None:
        """Re-read the ticket: a change the helpdesk accepted but did not make (a workflow that
        forbids the status, an assignee without the role) is refused, not shown as sent."""
        assert operation.verify is not None
        answer = self.requester.send(operation.verify.request, context)
        for name, path in operation.verify.fields.items():
            if name not in sent:
                continue
            expected, found = sent[name], path(answer.body)
            if not _same(expected, found):
                raise NotSupported(f"{self.label} accepted the {name} change but did not make it (it shows "
                                   f"{_shown(found)}): check the helpdesk's workflow or the account's rights.")

    # --- after an unknown outcome ----------------------------------------------------------

    def find_delivered(self, command: Command, ticket_remote_id: str) -> str | None:
        """What ``command`` created, if it is on the server (see ``Backend.find_delivered``)."""
        operation = self.spec.operations.get(_OPERATION[type(command)])
        if operation is None:
            return None
        delivered = self.spec.delivered_for(operation)
        # An update needs no marker (sent again, it sets the same values), but one that writes
        # it is looked for too: a helpdesk that keeps dropping the answer would never confirm it.
        if delivered.type == "marker" and (not isinstance(command, Update) or operation.sends("command.id")):
            assert delivered.request is not None and delivered.records is not None
            answer = self.requester.send(delivered.request, {"ticket": _ticket(ticket_remote_id, None),
                                                             "command": _command(command)})
            records = delivered.records(answer.body)
            for record in records if isinstance(records, list) else [records] if records else []:
                if delivered.where is not None and delivered.id is not None and _holds(delivered.where(record),
                                                                                         command.id):
                    found = _text(delivered.id(record))
                    if found is None or delivered.then_request is None or delivered.then_id is None:
                        return found
                    answer = self.requester.send(delivered.then_request, {
                        "ticket": _ticket(ticket_remote_id, None), "command": _command(command), "found": found})
                    return _text(delivered.then_id(answer.body))
            return None
        if delivered.type == "thread" and isinstance(command, (Reply, Note)):
            return find_in_thread(self.fetch_thread(ticket_remote_id), command)
        return None  # an update without a marker is sent again as it is; an idempotency key is sent again

    def current_version(self, ticket_remote_id: str) -> str | None:
        """The ticket's version token now (``version.read``), or None when the mapping has none."""
        spec = self.spec.version
        if spec is None or spec.read is None:
            return None
        answer = self.requester.send(spec.read, {"ticket": _ticket(ticket_remote_id, None)})
        if spec.read_header:
            return answer.headers.get(spec.read_header) or None
        return _text(spec.read_path(answer.body)) if spec.read_path else None


def find_in_thread(thread: list[RemoteMessage], command: Reply | Note) -> str | None:
    """The message ``command`` left: same kind, same words, its files, written after it was
    queued (less the clock skew); searched from the newest."""
    wanted = MessageKind.PUBLIC_REPLY if isinstance(command, Reply) else MessageKind.INTERNAL_NOTE
    body = command.body.strip()
    since = _aware(command.created_at).replace(microsecond=0) - CLOCK_SKEW
    for message in sorted(thread, key=lambda m: _aware(m.created_at), reverse=True):
        if _aware(message.created_at) < since:
            break
        if message.kind == wanted and _says(message, body) and carries_files(message, command):
            return message.remote_id
    return None


def _aware(when: datetime) -> datetime:
    """A stamp without a zone is UTC (a helpdesk that omits it means the server's UTC)."""
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def _says(message: RemoteMessage, body: str) -> bool:
    """The message has our words (a helpdesk that keeps HTML is compared on its text)."""
    if same_text(message.body, body):
        return True
    return message.body_format == "html" and same_text(html_to_text(message.body), body)


def _ticket(remote_id: str, version: str | None) -> dict[str, Any]:
    number: Any = int(remote_id) if remote_id.isdigit() else (remote_id or None)
    return {"remote_id": remote_id or None, "number": number, "version": version}


def _command(command: Command) -> dict[str, Any]:
    """``{command.…}``: what a step may put in a request (empty text is no value)."""
    out: dict[str, Any] = {"id": command.id, "created_at": _iso(command.created_at),
                           "public": isinstance(command, Reply), "internal": isinstance(command, Note),
                           # The names of its files (None without): ``when: "{command.files}"`` picks
                           # a multipart step only when there are files to send.
                           "files": [a.name for a in command.attachments] or None}
    if isinstance(command, (Reply, Note, NewTicket)):
        out["body"] = command.body
    if isinstance(command, NewTicket):
        out.update(subject=command.subject, requester_email=command.requester or None,
                   requester_name=command.requester_name or None, cc=list(command.cc) or None)
    return out


def _iso(when: datetime) -> str:
    return when.isoformat().replace("+00:00", "Z")


def _present(value: Any) -> bool:
    return value is not None and value is not CLEARED and value != "" and value != [] and value is not False


def _adjuster(json_key: tuple[str, ...] | None, version: str | None) -> Callable[[Any], Any]:
    def adjust(body: Any) -> Any:
        body = _nulls(body)
        if json_key and isinstance(body, dict):
            target = body
            for key in json_key[:-1]:
                target = target.setdefault(key, {})
                if not isinstance(target, dict):
                    return body
            target[json_key[-1]] = version
        return body
    return adjust


def _nulls(value: Any) -> Any:
    """``CLEARED`` → None, in the rendered body."""
    if value is CLEARED:
        return None
    if isinstance(value, dict):
        return {key: _nulls(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_nulls(item) for item in value]
    return value


def _pick(pick: Pick | None, answers: list[Answer | None]) -> Any:
    if pick is None:
        return None
    if pick.step is not None:
        answer = answers[pick.step] if pick.step < len(answers) else None
    else:
        answer = next((a for a in reversed(answers) if a is not None), None)
    if answer is None:
        return None
    if pick.header is not None:
        value: Any = answer.headers.get(pick.header)
    else:
        value = pick.path(answer.body) if pick.path is not None else None
    if value is not None and pick.pattern is not None:
        match = pick.pattern.search(str(value))
        value = match.group(1) if match else None
    return value


def _text(value: Any) -> str | None:
    if value is None or value == "" or isinstance(value, (dict, list)):
        return None
    if isinstance(value, bool):
        return None
    return str(value)


def _holds(value: Any, marker: str) -> bool:
    """Our marker is the value, inside it (a hidden note's text) or one of a list."""
    if isinstance(value, list):
        return any(_holds(item, marker) for item in value)
    return value is not None and marker in str(value)


def _same(expected: Any, found: Any) -> bool:
    if expected is CLEARED:
        return found in (None, "", [], {}, 0)
    if isinstance(expected, list):
        return isinstance(found, list) and sorted(map(str, expected)) == sorted(map(str, found))
    if isinstance(found, dict):
        return False
    return str(expected) == str(found)


def _shown(value: Any) -> str:
    text = "nothing" if value in (None, "", []) else repr(value)
    return text[:60]
