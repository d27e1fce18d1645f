"""A whole mapping file (sync/generic/mapping.py) and the backend classes it makes
(sync/generic/backend.py): top level, auth, capabilities, options per account, shipped mappings."""

from __future__ import annotations

import base64

import httpx
import pytest

from helpdesk_tui.config.account_options import check_options
from helpdesk_tui.domain.attachment_limits import NO_ATTACHMENTS
from helpdesk_tui.sync import errors
from helpdesk_tui.sync.auth import RefreshToken
from helpdesk_tui.sync.contract import AccountSettings, ChangeFeed, Concurrency
from helpdesk_tui.sync.generic.backend import GenericBackend, MappedBackend, base_context, build_auth
from helpdesk_tui.sync.generic.mapping import loads_mapping
from helpdesk_tui.sync.generic.node import MappingError
from tests.generic_fake import MAPPING

ACCOUNT = AccountSettings("acme", "https://desk.example.com:8443/app/", "aiko", "s3cret", {"project": "desk"})


def with_top(extra: str, base: str = MAPPING) -> str:
    return base.replace("capabilities:\n  attachments: {max_bytes: 5MB, max_count: 3}\n", extra)


def test_the_fake_mapping_compiles_with_its_capabilities_and_options():
    spec = loads_mapping(MAPPING)
    assert spec.name == "fakedesk" and spec.label == "FakeDesk"
    assert [(o.name, o.required) for o in spec.options] == [("project", True)]
    caps = spec.capabilities
    assert caps.change_feed is ChangeFeed.TIMESTAMP and caps.concurrency is Concurrency.NONE
    assert caps.attachments.max_bytes == 5_000_000 and caps.attachments.max_count == 3
    assert not caps.kb and not caps.templates


def test_capabilities_written_out_win_and_attachments_none_means_none():
    spec = loads_mapping(with_top("capabilities:\n  change_feed: full_scan\n  concurrency: etag\n  tags: true\n"
                                  "  groups: true\n  attachments: none\n"))
    caps = spec.capabilities
    assert caps.change_feed is ChangeFeed.FULL_SCAN and caps.concurrency is Concurrency.ETAG
    assert caps.tags and caps.groups and caps.attachments == NO_ATTACHMENTS


@pytest.mark.parametrize(("text", "fragment"), [
    (MAPPING.replace("format: 1", "format: 2"), "line 1, key 'format': must be 1"),
    (MAPPING.replace("label: FakeDesk\n", "label: FakeDesk\ncolour: blue\n"), "key 'colour': is not a key here"),
    (MAPPING.replace("label: FakeDesk\n", ""), "needs 'label'"),
    (MAPPING.replace("auth: {type: header,", "auth: {type: digest,"), "must be one of none, basic"),
    (with_top("capabilities:\n  attachments: {max_bytes: lots}\n"), "must be a size such as 20MB"),
    (MAPPING.replace("users:\n  in_ticket: author\n", "users:\n  side_load: people\n"),
     "names 'people', which tickets.side_loads does not declare"),
    (MAPPING.replace('path: "/issues/{ticket.remote_id}.json", query', 'path: "/issues/{ticket.id}/{command.body}.json", query'),
     "uses '{command.body}', but only account, options, origin, ticket can be used here"),
    (MAPPING.replace("      assignee: {lookup: agents}", "      assignee: {lookup: staff}"), "staff"),
])
def test_mapping_mistakes_are_one_sentence_naming_the_line_and_key(text, fragment):
    with pytest.raises(MappingError) as caught:
        loads_mapping(text, "desk.yaml")
    message = str(caught.value)
    assert fragment in message and message.startswith("desk.yaml"), message
    assert "\n" not in message


def test_the_base_context_has_the_url_without_its_slash_and_the_origin():
    context = base_context(ACCOUNT)
    assert context["account"]["url"] == "https://desk.example.com:8443/app"
    assert context["origin"] == "https://desk.example.com:8443" and context["options"] == {"project": "desk"}


def _header(auth: httpx.Auth) -> httpx.Request:
    request = httpx.Request("GET", "https://desk.example.com/x")
    next(auth.auth_flow(request))
    return request


@pytest.mark.parametrize(("auth", "check"), [
    ("{type: basic, user: \"{account.user}/token\", password: \"{account.token}\"}",
     lambda r: r.headers["Authorization"] == "Basic " + base64.b64encode(b"aiko/token:s3cret").decode()),
    ("{type: bearer, token: \"{account.token}\", scheme: Token}", lambda r: r.headers["Authorization"] == "Token s3cret"),
    ("{type: header, name: Authorization, value: \"Token token={account.token}\"}",
     lambda r: r.headers["Authorization"] == "Token token=s3cret"),
    ("{type: query, param: key, value: \"{account.token}\"}", lambda r: r.url.params["key"] == "s3cret"),
    ("{type: none}", lambda r: "Authorization" not in r.headers),
])
def test_each_auth_type_puts_the_secret_where_the_file_says(auth, check):
    spec = loads_mapping(MAPPING.replace("auth: {type: header, name: X-Api-Key, value: \"{account.token}\"}",
                                         f"auth: {auth}"))
    assert check(_header(build_auth(spec, base_context(ACCOUNT))))


def test_auth_may_list_ways_to_sign_in_the_first_whose_when_has_a_value_is_used():
    ways = ("auth:\n  - {when: \"{account.user}\", type: basic, user: \"{account.user}/token\", "
            "password: \"{account.token}\"}\n  - {type: bearer, token: \"{account.token}\"}\n")
    spec = loads_mapping(MAPPING.replace("auth: {type: header, name: X-Api-Key, value: \"{account.token}\"}\n", ways))
    with_user = _header(build_auth(spec, base_context(ACCOUNT)))
    assert with_user.headers["Authorization"] == "Basic " + base64.b64encode(b"aiko/token:s3cret").decode()
    no_user = AccountSettings("acme", "https://desk.example.com", None, "oauth", {"project": "desk"})
    assert _header(build_auth(spec, base_context(no_user))).headers["Authorization"] == "Bearer oauth"
    last_with_when = ways.replace("  - {type: bearer,", "  - {when: \"{account.token}\", type: bearer,")
    with pytest.raises(MappingError, match="is on the last way to sign in"):
        loads_mapping(MAPPING.replace("auth: {type: header, name: X-Api-Key, value: \"{account.token}\"}\n",
                                      last_with_when))
    first_without = ways.replace("{when: \"{account.user}\", ", "{")
    with pytest.raises(MappingError, match="needs 'when'"):
        loads_mapping(MAPPING.replace("auth: {type: header, name: X-Api-Key, value: \"{account.token}\"}\n",
                                      first_without))


def test_oauth_refresh_token_auth_is_built_from_the_file():
    spec = loads_mapping(MAPPING.replace(
        "auth: {type: header, name: X-Api-Key, value: \"{account.token}\"}",
        "auth: {type: oauth2_refresh_token, token_url: \"{origin}/oauth/token\", client_id: \"{options.project}\", "
        "refresh_token: \"{account.token}\"}"))
    auth = build_auth(spec, base_context(ACCOUNT))
    assert isinstance(auth, RefreshToken) and auth.token_url == "https://desk.example.com:8443/oauth/token"
    assert auth.client_id == "desk" and "s3cret" not in repr(auth)


def test_a_generic_account_takes_the_options_its_file_declares(tmp_path):
    path = tmp_path / "desk.yaml"
    path.write_text(MAPPING, encoding="utf-8")
    given = {"mapping": str(path), "project": "desk"}
    assert check_options("generic", GenericBackend.options_for(given), given) == []
    missing = check_options("generic", GenericBackend.options_for({"mapping": str(path)}), {"mapping": str(path)})
    assert missing and "needs the option 'project'" in missing[0]
    assert GenericBackend.label_for(given) == "FakeDesk"
    assert GenericBackend.capabilities_for(given).attachments.max_count == 3
    assert GenericBackend.capabilities_for({}).attachments == NO_ATTACHMENTS


def test_a_broken_mapping_file_is_the_mapping_option_s_one_sentence(tmp_path):
    path = tmp_path / "desk.yaml"
    path.write_text(MAPPING.replace("format: 1", "format: 1\nformat: 1"), encoding="utf-8")
    problems = check_options("generic", GenericBackend.options_for({"mapping": str(path)}), {"mapping": str(path)})
    # The file's own sentence, alone: not wrapped in "The option 'mapping' …: the mapping file …".
    assert len(problems) == 1 and problems[0].startswith(f"{path}, line 2") and problems[0].endswith(".")
    assert "The option" not in problems[0] and "mapping file (YAML)" not in problems[0]
    missing = check_options("generic", GenericBackend.options, {"mapping": str(tmp_path / "none.yaml")})
    assert missing == [f"The mapping file {tmp_path / 'none.yaml'} does not exist: check --option mapping=FILE."]


def test_a_generic_backend_without_its_file_says_what_to_do():
    with pytest.raises(errors.NotSupported, match="needs --option mapping=FILE"):
        GenericBackend.make_client(AccountSettings("x", "https://d.example.com", None, "t"))


def test_a_shipped_mapping_subclass_takes_name_label_options_and_capabilities_from_its_file(tmp_path):
    path = tmp_path / "fakedesk.yaml"
    path.write_text(MAPPING, encoding="utf-8")

    class FakeDeskBackend(MappedBackend):
        mapping_file = str(path)  # an absolute path here; shipped ones name a file in sync/mappings/

    assert FakeDeskBackend.name == "fakedesk" and FakeDeskBackend.label == "FakeDesk"
    assert [o.name for o in FakeDeskBackend.options] == ["project", "requests_per_minute"]
    assert FakeDeskBackend.capabilities.attachments.max_count == 3
    assert FakeDeskBackend.options_for({}) == FakeDeskBackend.options
    client = FakeDeskBackend.make_client(ACCOUNT)
    assert client.base_url == "https://desk.example.com:8443/app"
    backend = FakeDeskBackend(ACCOUNT, client)
    assert backend.mapping is FakeDeskBackend.spec and backend.label == "FakeDesk"


def test_the_request_budget_is_on_when_the_file_or_the_account_asks(tmp_path, monkeypatch):
    monkeypatch.setenv("HELPDESK_TUI_HOME", str(tmp_path / "home"))
    path = tmp_path / "desk.yaml"
    path.write_text(MAPPING, encoding="utf-8")
    options = {"mapping": str(path), "project": "desk"}

    def backend(text_options: dict[str, str]) -> GenericBackend:
        account = AccountSettings("acme", "https://desk.example.com", "aiko", "s3cret", text_options)
        return GenericBackend(account, GenericBackend.make_client(account))

    assert backend(options).requester.before_request is None
    budgeted = backend({**options, "requests_per_minute": "30"})
    assert budgeted.requester.before_request is not None and budgeted.requester.after_response is not None
    path.write_text(MAPPING.replace("label: FakeDesk\n", "label: FakeDesk\nrate_limit: {per_minute: 60}\n"),
                    encoding="utf-8")
    assert backend(options).requester.before_request is not None


def test_a_mapping_file_is_compiled_once_until_it_changes(tmp_path):
    from helpdesk_tui.sync.generic.mapping import load_mapping

    path = tmp_path / "desk.yaml"
    path.write_text(MAPPING, encoding="utf-8")
    first = load_mapping(path)
    assert load_mapping(path) is first
    path.write_text(MAPPING.replace("label: FakeDesk", "label: FakeDesk Two"), encoding="utf-8")
    assert load_mapping(path).label == "FakeDesk Two"


def test_the_registry_builds_a_generic_account_with_its_file_s_options(tmp_path, monkeypatch):
    from importlib.metadata import EntryPoint

    from helpdesk_tui.config.settings import AccountConfig
    from helpdesk_tui.sync import registry

    monkeypatch.setattr(registry, "available_backends", lambda: {"generic": EntryPoint(
        name="generic", value="helpdesk_tui.sync.generic.backend:GenericBackend", group=registry.GROUP)})
    path = tmp_path / "desk.yaml"
    path.write_text(MAPPING, encoding="utf-8")
    config = AccountConfig(name="desk", backend="generic", url="https://desk.example.com", user="aiko",
                           options={"mapping": str(path), "project": "desk"})
    built = registry.make_backend(config, "s3cret")
    assert isinstance(built, GenericBackend) and built.label == "FakeDesk"
    assert built.capabilities.attachments.max_count == 3
    missing = AccountConfig(name="desk", backend="generic", url="https://desk.example.com",
                            options={"mapping": str(path)})
    with pytest.raises(registry.BackendUnavailable, match="needs the option 'project'"):
        registry.make_backend(missing, "s3cret")


def test_yaml_anchors_and_merge_keys_share_what_repeats_and_x_keys_hold_them():
    text = MAPPING.replace("lookups:\n  agents:\n",
                           "x-listing: &listing {records: memberships}\nlookups:\n  agents:\n    <<: *listing\n").replace(
        "    records: memberships\n    id: user.id", "    id: user.id")
    text = text.replace('  - request: {path: "/issues/{ticket.remote_id}.json", query: {include: "journals,attachments"}}\n'
                        '    records: "[issue]"', '  - request: &issue {path: "/issues/{ticket.remote_id}.json"}\n'
                        '    records: "[issue]"').replace(
        '  - request: {path: "/issues/{ticket.remote_id}.json", query: {include: "journals,attachments"}}\n'
        '    records: issue.journals', "  - request: *issue\n    records: issue.journals")
    spec = loads_mapping(text)
    assert spec.lookups["agents"].stream.records_text == "memberships"
    assert [part.stream.request.path.render({"ticket": {"remote_id": "7"}}) for part in spec.messages] == \
        ["/issues/7.json", "/issues/7.json"]
    with pytest.raises(MappingError, match="key 'y-listing': is not a key here"):
        loads_mapping(text.replace("x-listing", "y-listing"))
