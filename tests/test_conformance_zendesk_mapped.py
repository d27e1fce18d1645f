"""Zendesk as a mapping (``sync/mappings/zendesk.yaml``) passes the same conformance suite as the
hand-written backend, against the same fake Zendesk (real HTTP on loopback)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from helpdesk_tui.sync.contract import AccountSettings
from helpdesk_tui.sync.mappings import ZendeskMappedBackend
from helpdesk_tui.sync.testing import BackendTests, ServerActions
from tests.fakes.zendesk import FakeZendesk
from tests.test_conformance_zendesk import EMAIL, QUICK, ZendeskActions


class MappedZendeskActions(ZendeskActions):
    def backend(self, url: str | None = None) -> ZendeskMappedBackend:  # type: ignore[override]
        account = AccountSettings(name="zendesk", url=url or self.fake.url, user=EMAIL, token=self.fake.token)
        return ZendeskMappedBackend(account, ZendeskMappedBackend.make_client(account, policy=QUICK,
                                                                              sleep=lambda s: None))


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeZendesk]:
    with FakeZendesk(email=EMAIL) as running:
        yield running


class TestZendeskMappedBackend(BackendTests):
    @pytest.fixture
    def server(self, fake: FakeZendesk) -> ServerActions:
        return MappedZendeskActions(fake)
