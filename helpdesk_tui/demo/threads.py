"""The ticket stream: tickets, their threads and timelines, oldest first, in bounded memory.

One pass over the ticket index. Each ticket's requester is drawn from a pool holding one
slot per ticket still owed by the customers currently "active" (at most 10,000 customers),
so every customer ends with exactly the count ``TicketCounts`` gave them and their tickets
are spread over time. Creation times follow the index (older first); the timeline of each
ticket (messages, then the events they imply) is laid out forward from its creation and
squeezed to fit before ``now``.

The loop is deliberately one function over local variables: attribute lookups and calls per
ticket are what separate 40k from 70k tickets per second.
"""

from __future__ import annotations

import random
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from helpdesk_tui.demo.corpus import (
    ADVERSARIAL, HANDOVER_NOTES, LANGUAGES, NOTES_BY_TOPIC, NOTES_GENERIC, SYSTEM_MESSAGES, Context, fill,
)
from helpdesk_tui.demo.population import Profile, TicketCounts
from helpdesk_tui.demo.shape import (
    ACTIVE_AGES, ACTIVE_SHARES, ACTIVE_TABLES, AUTO_CLOSE, CHANNELS, CHECKPOINT_SHARE, CLOSED, CUST,
    ACKNOWLEDGE_TARGET, FIRST_RESPONSE_TARGET, FRT_DELTA, LEAN_LENGTHS, LONG_THREAD, MIN_AGE, NEW, NOTE, ON_HOLD, OPEN, PENDING,
    PRIORITIES, PRIORITY_TABLES, PUB, REQUIREMENTS, RES_DELTA, RICH_LENGTHS, RICH_LIMIT, SCREENSHOT,
    SHARE_AGES, SOLVED, SPAN, SYS, TOPIC_TABLE, TRANSITION, VALUE,
)
from helpdesk_tui.demo.text_common import TOPICS
from helpdesk_tui.domain.models import Event, Message, Ticket
from helpdesk_tui.domain.vocab import EventKind as E
from helpdesk_tui.domain.vocab import Priority


@dataclass(slots=True)
class TicketBundle:
    ticket: Ticket
    messages: list[Message]
    events: list[Event]


def _choose_force(need: set[str], age: int) -> str | None:
    for req in REQUIREMENTS:
        if req in need:
            if req == "breach" and age < 3600 + 120:
                continue
            if req == "checkpoint_soon" and age < 1800:
                continue
            return req
    return None


def ticket_stream(*, seed: int, tickets: int, now: datetime, agent: str, agents: list[str],
                  profiles: Iterator[Profile], customers: int, long_ids: frozenset[int],
                  adversarial: dict[int, int]) -> Iterator[TicketBundle]:
    n = tickets
    if n <= 0:
        return
    rng = random.Random(f"helpdesk-demo:{seed}:tickets")
    rnd = rng.random
    td = timedelta
    colleagues = [a for a in agents if a != agent] or [agent]
    n_colleagues = len(colleagues)
    rich = n <= RICH_LIMIT
    lengths = RICH_LENGTHS if rich else LEAN_LENGTHS
    n_lengths = len(lengths)
    n_topics = len(TOPIC_TABLE)
    inv_n = 1.0 / n
    four_days = td(seconds=AUTO_CLOSE)

    counts = TicketCounts(seed, n, customers)
    slots: list[Profile] = []  # one entry per ticket still owed by a customer in the pool
    joined = 0

    def join() -> None:
        profile = next(profiles)
        profile.remaining = counts.next()
        slots.extend([profile] * profile.remaining)

    for _ in range(min(customers, 10_000)):
        join()
        joined += 1

    need = set(REQUIREMENTS)
    window_start = n - max(48, n // 25)
    msg_id = ev_id = 0

    for idx in range(n):
        # -- requester ------------------------------------------------------------------
        j = int(rnd() * len(slots))
        prof = slots[j]
        tail = slots.pop()
        if j < len(slots):
            slots[j] = tail
        prof.remaining -= 1
        if prof.remaining <= 0 and joined < customers:
            join()
            joined += 1

        # -- when, what, how urgent, where it stands --------------------------------------
        tid = idx + 1
        number = 10000 + tid
        y = 1.0 - (idx + 0.3 + 0.4 * rnd()) * inv_n
        age = int(MIN_AGE + SPAN * (0.25 * y + 0.75 * y * y))
        created = now - td(seconds=age)
        topic = TOPIC_TABLE[int(rnd() * n_topics)]
        adv = adversarial.get(idx)
        if adv is not None:
            topic = ADVERSARIAL[adv][0]
        table = PRIORITY_TABLES[topic]
        prio = table[int(rnd() * len(table))]
        if rnd() < ACTIVE_SHARES[bisect_right(SHARE_AGES, age)]:
            table = ACTIVE_TABLES[bisect_right(ACTIVE_AGES, age)]
            status = table[int(rnd() * 100)]
        else:
            status = SOLVED

        force_unassigned = force_mine = force_cp = False
        if need and idx >= window_start:
            force = _choose_force(need, age)
            if force == "breach":
                status, force_unassigned = NEW, True
                prio = next(p for p in PRIORITIES if FIRST_RESPONSE_TARGET[p] < age - 60)
            elif force in ("unassigned_new", "new"):
                status, force_unassigned = NEW, True
            elif force == "checkpoint_soon":
                status, force_cp = PENDING, True
            elif force == "pending":
                status = PENDING
            elif force == "open":
                status = OPEN
            elif force == "on_hold":
                status = ON_HOLD
            elif force == "mine":
                force_mine = True
                if status is SOLVED or status is NEW:
                    status = OPEN
            elif force is not None:
                prio = Priority(force)

        is_long = tid in long_ids
        if is_long and status is NEW:
            status = OPEN
        active = status is not SOLVED
        waiting = status is PENDING or status is ON_HOLD

        # -- the shape of the thread --------------------------------------------------------
        if is_long:
            length = LONG_THREAD
        elif status is NEW:
            length = 1 if rnd() < 0.8 else 2
        else:
            length = lengths[int(rnd() * n_lengths)]
            if length == 1 and (waiting or (active and not rich)):
                length = 2
        kinds = [CUST]
        if length > 1:
            if status is NEW:
                kinds.append(CUST if rnd() < 0.7 else SYS)
            else:
                agent_turn = True
                for _ in range(length - 1):
                    r = rnd()
                    if r < 0.12:
                        kinds.append(NOTE)
                    elif r < 0.15:
                        kinds.append(SYS)
                    elif agent_turn:
                        kinds.append(PUB)
                        agent_turn = False
                    else:
                        kinds.append(CUST)
                        agent_turn = True
                if waiting:  # the ball is in the customer's court: we spoke last
                    i = length - 1
                    while kinds[i] is NOTE or kinds[i] is SYS:
                        i -= 1
                    if kinds[i] is CUST:
                        kinds[i if i > 0 else length - 1] = PUB
                elif status is SOLVED and PUB not in kinds:
                    kinds[-1] = PUB

        # -- the timeline (seconds after creation) ------------------------------------------
        frt = FIRST_RESPONSE_TARGET[prio]
        offs = [0.0]
        t = 0.0
        first_agent = -1
        for i in range(1, length):
            k = kinds[i]
            if k is SYS:
                t += 5 + rnd() * 120
            elif k is CUST:
                t += 600 + rnd() * rnd() * 86400
            elif first_agent < 0:
                first_agent = i
                target = ACKNOWLEDGE_TARGET * ((0.1 + 0.85 * rnd()) if rnd() < 0.85 else (1.05 + 1.5 * rnd()))
                t = max(t + 60, target)
            elif k is NOTE:
                t += 60 + rnd() * 5400
            else:
                t += 300 + rnd() * rnd() * 28800
            offs.append(t)
        solved_off = 0.0
        if status is SOLVED:
            solved_off = t + 60 + rnd() * 1800 if length > 1 else 300 + rnd() * 2 * frt
            if solved_off > age - 60:
                s = age * (0.2 + 0.7 * rnd()) / solved_off
                offs = [o * s for o in offs]
                solved_off *= s
        elif status is NEW or first_agent < 0:
            if t > age * 0.9:
                s = age * 0.9 / t
                offs = [o * s for o in offs]
        else:
            target = age * (0.55 + 0.42 * rnd())
            fa = offs[first_agent]
            if fa >= target:
                s = target / t
                offs = [o * s for o in offs]
            elif t > fa:
                s = (target - fa) / (t - fa)
                for i in range(first_agent + 1, length):
                    offs[i] = fa + (offs[i] - fa) * s
        times = [created] if length == 1 else [created + td(seconds=int(o)) for o in offs]
        updated = times[-1]

        solved_at = closed_at = None
        if status is SOLVED:
            solved_at = created + td(seconds=int(solved_off))
            updated = solved_at
            if age - solved_off > AUTO_CLOSE + 3600 and rnd() < 0.96:
                status = CLOSED
                closed_at = solved_at + four_days
                updated = closed_at
        done = not active

        # -- a promised next update ----------------------------------------------------------
        last_pub = final_pub = -1  # last reply the customer has not answered / last reply at all
        answered = False
        for i in range(length - 1, 0, -1):
            k = kinds[i]
            if k is PUB:
                final_pub = i
                if not answered:
                    last_pub = i
                break
            if k is CUST:
                answered = True
        checkpoint = None
        if last_pub > 0 and active and status is not NEW and (force_cp or rnd() < CHECKPOINT_SHARE[status]):
            r = 0.0 if force_cp else rnd()
            if r < 0.22:
                delta = 300 + rnd() * 3000
            elif r < 0.5:
                delta = 3600 + rnd() * 18000
            elif r < 0.8:
                delta = 21600 + rnd() * 151200
            else:
                since = min(43200.0, (age - offs[last_pub]) * 0.8)
                delta = -(300 + rnd() * (since - 300)) if since > 600 else 300 + rnd() * 3000
            checkpoint = now + td(seconds=int(delta))

        # -- messages and the events they imply ----------------------------------------------
        lang = LANGUAGES[prof.language]
        ctx = Context()
        ctx.profile, ctx.number, ctx.created = prof, number, created
        ctx.checkpoint, ctx.language, ctx.colleagues = checkpoint, prof.language, colleagues
        if adv is None:
            subjects = lang.subjects[topic]
            subject = fill(subjects[int(rnd() * len(subjects))], ctx)
            openings = lang.openings[topic]
            closings = lang.customer_closings
            body = (fill(openings[int(rnd() * len(openings))], ctx)
                    + fill(closings[int(rnd() * len(closings))], ctx))
            tags = TOPICS[topic].tags
        else:
            subject, body = fill(ADVERSARIAL[adv][1], ctx), fill(ADVERSARIAL[adv][2], ctx)
            tags = TOPICS[topic].tags + ("adversarial-demo",)
        attachments: tuple[dict[str, object], ...] = ()
        if rich and rnd() < 0.06:
            attachments = ({"filename": SCREENSHOT, "size": 40_000 + int(rnd() * 900_000),
                            "content_type": "image/png"},)
        msg_id += 1
        messages = [Message(tid, CUST, prof.name, body, created, "markdown", attachments, msg_id, str(msg_id))]
        ev_id += 1
        events = [Event(tid, E.RECEIVED, created, prof.name, CHANNELS[int(rnd() * 4)], ev_id)]

        cur = NEW
        assignee = None
        if status is NEW:
            if not force_unassigned and rnd() < 0.2:
                assignee = agent if rnd() < 0.5 else colleagues[int(rnd() * n_colleagues)]
                ev_id += 1
                events.append(Event(tid, E.ASSIGNED, created, "system", assignee, ev_id))
        elif status is OPEN and first_agent < 0:  # triaged, nobody has written yet
            assignee = agent if (force_mine or rnd() < 0.16) else colleagues[int(rnd() * n_colleagues)]
            at = created + td(seconds=int(offs[1] * 0.5 if length > 1 else min(age * 0.3, 120 + rnd() * 1800)))
            if at > updated:
                updated = at
            ev_id += 2
            events.append(Event(tid, E.ASSIGNED, at, assignee, assignee, ev_id - 1))
            events.append(Event(tid, E.STATUS_CHANGED, at, assignee, TRANSITION[NEW, OPEN], ev_id))
            cur = OPEN

        first_response_at = previous_reply = previous_said = None
        customer_name = prof.name
        for i in range(1, length):
            k = kinds[i]
            at = times[i]
            if k is CUST:
                pool = lang.thanks if (done and i == length - 1) else lang.followups
                said = pool[int(rnd() * len(pool))]
                if said is previous_said:
                    said = pool[(pool.index(said) + 1) % len(pool)]
                previous_said = said
                msg_id += 1
                messages.append(Message(tid, CUST, customer_name, fill(said, ctx), at, "markdown", (),
                                        msg_id, str(msg_id)))
                ev_id += 1
                events.append(Event(tid, E.CUSTOMER_REPLIED, at, customer_name, "", ev_id))
                if cur is PENDING:
                    ev_id += 1
                    events.append(Event(tid, E.STATUS_CHANGED, at, "system", TRANSITION[PENDING, OPEN], ev_id))
                    cur = OPEN
                continue
            if k is SYS:
                msg_id += 1
                messages.append(Message(tid, SYS, "system",
                                        fill(SYSTEM_MESSAGES[int(rnd() * len(SYSTEM_MESSAGES))], ctx),
                                        at, "markdown", (), msg_id, str(msg_id)))
                continue
            # an agent acts: make sure someone owns the ticket and it is open
            if assignee is None:
                assignee = agent if (force_mine or rnd() < 0.16) else colleagues[int(rnd() * n_colleagues)]
                ev_id += 1
                events.append(Event(tid, E.ASSIGNED, at, assignee, assignee, ev_id))
                if rich and rnd() < 0.05 and prio is not Priority.LOW:
                    ev_id += 1
                    before = PRIORITIES[PRIORITIES.index(prio) - 1]
                    events.append(Event(tid, E.PRIORITY_CHANGED, at, assignee,
                                        f"{before.value} → {prio.value}", ev_id))
            if cur is NEW:
                ev_id += 1
                events.append(Event(tid, E.STATUS_CHANGED, at, assignee, TRANSITION[NEW, OPEN], ev_id))
                cur = OPEN
            if k is NOTE:
                if rich and length >= 4 and i < length - 1 and rnd() < 0.15:
                    successor = colleagues[int(rnd() * n_colleagues)]
                    if successor == assignee:
                        successor = agent
                    ctx["{colleague}"] = successor
                    text = fill(HANDOVER_NOTES[int(rnd() * len(HANDOVER_NOTES))], ctx)
                    msg_id += 1
                    messages.append(Message(tid, NOTE, assignee, text, at, "markdown", (), msg_id, str(msg_id)))
                    ev_id += 2
                    events.append(Event(tid, E.NOTE_ADDED, at, assignee, "", ev_id - 1))
                    events.append(Event(tid, E.ASSIGNED, at, assignee, f"{assignee} → {successor}", ev_id))
                    assignee = successor
                else:
                    notes = NOTES_BY_TOPIC[topic] if rnd() < 0.6 else NOTES_GENERIC
                    author = assignee if rnd() < 0.7 else colleagues[int(rnd() * n_colleagues)]
                    msg_id += 1
                    messages.append(Message(tid, NOTE, author, fill(notes[int(rnd() * len(notes))], ctx),
                                            at, "markdown", (), msg_id, str(msg_id)))
                    ev_id += 1
                    events.append(Event(tid, E.NOTE_ADDED, at, author, "", ev_id))
                continue
            # a public reply
            if i == final_pub and done:
                pool = lang.solutions[topic]
            elif i == last_pub:
                if checkpoint is not None:
                    pool = lang.promise
                elif status is ON_HOLD:
                    pool = lang.hold
                elif status is PENDING:
                    pool = lang.ask
                else:
                    pool = lang.interim
            elif first_response_at is None:
                pool = lang.ask
            else:
                pool = lang.interim if rnd() < 0.6 else lang.solutions[topic]
            reply = pool[int(rnd() * len(pool))]
            if reply is previous_reply:  # never the same paragraph twice in a row
                reply = pool[(pool.index(reply) + 1) % len(pool)]
            previous_reply = reply
            text = fill(lang.greeting, ctx) + fill(reply, ctx) + lang.closing
            msg_id += 1
            messages.append(Message(tid, PUB, assignee, text, at, "markdown", (), msg_id, str(msg_id)))
            ev_id += 1
            events.append(Event(tid, E.REPLIED, at, assignee, "", ev_id))
            if first_response_at is None:
                first_response_at = at
                ev_id += 1
                events.append(Event(tid, E.FIRST_RESPONSE, at, assignee, "", ev_id))
            if i == last_pub and waiting and cur is not status:
                ev_id += 1
                events.append(Event(tid, E.STATUS_CHANGED, at, assignee, TRANSITION[cur, status], ev_id))
                cur = status
            elif i + 1 < length and kinds[i + 1] is CUST and rnd() < 0.5:
                ev_id += 1
                events.append(Event(tid, E.STATUS_CHANGED, at, assignee, TRANSITION[cur, PENDING], ev_id))
                cur = PENDING
            if i == last_pub and checkpoint is not None:
                ev_id += 1
                events.append(Event(tid, E.CHECKPOINT_SET, at, assignee, checkpoint.isoformat(), ev_id))

        if done:
            assert solved_at is not None  # done: the status was SOLVED, and solved_at set with it
            if assignee is None:
                assignee = agent if rnd() < 0.16 else colleagues[int(rnd() * n_colleagues)]
                ev_id += 1
                events.append(Event(tid, E.ASSIGNED, solved_at, assignee, assignee, ev_id))
            ev_id += 1
            events.append(Event(tid, E.STATUS_CHANGED, solved_at, assignee, TRANSITION[cur, SOLVED], ev_id))
            if closed_at is not None:
                ev_id += 1
                events.append(Event(tid, E.STATUS_CHANGED, closed_at, "system", TRANSITION[SOLVED, CLOSED], ev_id))

        status_raw, prio_raw = VALUE[status], VALUE[prio]
        ticket = Ticket(number, subject, status, prio, prof.id, created, updated, prof.org_id, assignee,
                        TOPICS[topic].group, tags, {"plan": prof.plan, "server": prof.server}, status_raw,
                        prio_raw, first_response_at, created + FRT_DELTA[prio], checkpoint,
                        created + RES_DELTA[prio], solved_at, None, None, tid, str(tid))

        if need:
            if status is NEW and assignee is None:
                need.discard("unassigned_new")
            if active and not waiting and first_response_at is None and frt < age:
                need.discard("breach")
            if checkpoint is not None and waiting and now < checkpoint <= now + td(hours=1):
                need.discard("checkpoint_soon")
            if active and assignee == agent:
                need.discard("mine")
            need.discard(status_raw)
            need.discard(prio_raw)

        yield TicketBundle(ticket, messages, events)
