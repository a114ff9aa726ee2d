"""The app factory: the one place where routes, plugins, handlers and resources are wired."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import swagger_ui_bundle
from litestar import Litestar, Router
from litestar.datastructures import State
from litestar.di import Provide
from litestar.middleware.base import DefineMiddleware
from litestar.middleware.rate_limit import RateLimitConfig
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.stores.memory import MemoryStore
from litestar.template.config import TemplateConfig
from litestar.types import HTTPResponseStartEvent, Message, Scope
from sqlalchemy import Engine
from sqlmodel import Session

from registry import dates
from registry.accounts.guards import PUBLIC, BearerTokenAuth, staff
from registry.common import utcnow
from registry.coverage.api import COVERAGE_HANDLERS
from registry.credentials import display
from registry.credentials.api import (
    DCC_REGISTRY_ENTRY,
    STATUS_CHANGES,
    CertifyController,
    CredentialController,
    dcc_registry_entry,
    dcc_registry_entry_route,
    did_document_route,
    jwks,
)
from registry.credentials.renewal_api import RenewalController
from registry.credentials.service import Issuer
from registry.credentials.vouching import (
    RegistryFileError,
    RegistrySource,
    Vouching,
    dcc_registry_file,
)
from registry.db import make_engine
from registry.directory import contact
from registry.directory.api import DIRECTORY_HANDLERS
from registry.http import gate
from registry.http.cors import PublicCors, public_paths
from registry.http.deps import AnyRequest, provide_actor, session_provider
from registry.http.problems import HANDLERS
from registry.imports.api import ImportController
from registry.people.api import AgencyController, OfficerController, RegionController
from registry.settings import MailSettings, Settings, get_settings
from registry.training.api import ClassController, CourseController
from registry.training.ce_api import CEController
from registry.vc.did import did_document_path
from registry.vc.keystore import KeyStore
from registry.verification.api import (
    TokenRequests,
    credential_json,
    credential_jwt,
    credential_page,
    qr_png,
    qr_svg,
    status_list,
    verify_token,
)
from registry.verification.live import LiveStatus
from registry.verification.lookup import lookup_form, lookup_page
from registry.verification.pages import verify_form, verify_submit
from registry.verification.service import Verifier
from registry.wallets.api import HANDLERS as WALLET_HANDLERS
from registry.wallets.link_api import rotate_wallet_link
from registry.web import logfilter, operations, pages
from registry.web.accesslog import AccessLog
from registry.web.certificate import certificate_pdf
from registry.web.console import auth as console_auth
from registry.web.console import password as account_links
from registry.web.console.account import ACCOUNT_PAGES
from registry.web.console.coverage import LIAISON_PAGES
from registry.web.console.dashboard import dashboard
from registry.web.console.errors import console_aware
from registry.web.operations import RequestMetrics
from registry.web.public_errors import public_page_aware
from registry.web.throttle import Lockout, SignInThrottle, make_counter
from registry.windows import EXPIRING_MAX_DAYS

WEB = Path(__file__).parent / "web"
DOCS_ASSETS = "/schema-assets"
log = logging.getLogger("registry")

SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
]
CSP = (
    b"default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    b"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


_SECURITY_NAMES = frozenset(
    {name for name, _ in SECURITY_HEADERS}
    | {b"content-security-policy", b"strict-transport-security"}
)
HSTS = (b"strict-transport-security", b"max-age=63072000")
# The headers added to a response that sets none of them itself (all but a few), by whether the
# path is the API docs' and whether HSTS goes with it: built once, not per response.
_ADDED = {
    (docs, hsts): [
        *SECURITY_HEADERS,
        *([] if docs else [(b"content-security-policy", CSP)]),
        *([HSTS] if hsts else []),
    ]
    for docs in (False, True)
    for hsts in (False, True)
}


# What runs at a response's start: it may change the message (headers) or note the response.
AtStart = Callable[[HTTPResponseStartEvent, Scope], None]


def on_response_start(*steps: AtStart) -> Callable[[Message, Scope], Awaitable[None]]:
    """One before_send hook that runs `steps` in turn at a response's start (and returns at
    once for its body): Litestar awaits every hook for every message, and three hooks made six
    coroutine calls per request where this makes two (scripts/bench --peers)."""

    async def hook(message: Message, scope: Scope) -> None:
        if message["type"] == "http.response.start":
            for step in steps:
                step(message, scope)

    return hook


def security_headers(https: bool) -> AtStart:
    """The response-start step that adds the security headers; `https`: the public URL is."""

    def step(message: HTTPResponseStartEvent, scope: Scope) -> None:
        _add_security_headers(message, scope, https)

    return step


def _add_security_headers(message: HTTPResponseStartEvent, scope: Scope, https: bool) -> None:
    """Adds the security headers to every response, errors included (at its start).

    The API docs page keeps its own script policy: its renderer needs inline script. With an
    https public URL every cookie the registry sets is Secure, whichever page set it, and HSTS
    goes with each answer to a request that arrived over https (directly, or through a proxy
    trusted by REGISTRY_TRUSTED_PROXIES: uvicorn then sets the scheme the proxy saw)."""
    headers = list(message.get("headers", []))
    names = {bytes(name).lower() for name, _ in headers}
    docs = scope["path"].startswith("/schema")
    if https:
        headers = [_secure_cookie(name, value) for name, value in headers]
    hsts = https and scope.get("scheme") == "https"
    if names.isdisjoint(_SECURITY_NAMES):
        message["headers"] = headers + _ADDED[docs, hsts]
        return
    extra = [h for h in SECURITY_HEADERS if h[0] not in names]
    if not docs and b"content-security-policy" not in names:
        extra.append((b"content-security-policy", CSP))
    if hsts:
        extra.append(HSTS)
    message["headers"] = headers + extra


def _secure_cookie(name: bytes, value: bytes) -> tuple[bytes, bytes]:
    if bytes(name).lower() == b"set-cookie" and b"; secure" not in bytes(value).lower():
        return name, bytes(value) + b"; Secure"
    return name, value


@dataclass
class Resources:
    """What the app makes once and every request may use, typed: handed to handlers as
    dependencies, to middleware as arguments (nothing reaches into `app.state` for them)."""

    engine: Engine
    issuer: Issuer
    live: LiveStatus
    verifier: Verifier
    sign_in_throttle: SignInThrottle
    # The program's local time (REGISTRY_TIME_ZONE): coverage days and patrol shifts.
    zone: ZoneInfo
    mail: MailSettings
    # How the public reaches the program (REGISTRY_PROGRAM_CONTACT); empty when not set.
    program_contact: str = ""
    # What time it is, for the rules that count the program's days (the `now` dependency):
    # one clock, so a test can set the moment at which Denver's evening is UTC's tomorrow.
    clock: Callable[[], datetime] = utcnow


def _vouching(settings: Settings) -> Vouching:
    """The issuer registries the verdict page reads (REGISTRY_ISSUER_REGISTRIES), or else the
    registry's own DCC entry; a configured file that is not one stops the start, in words."""
    if not settings.issuer_registries:
        own = dcc_registry_entry(
            settings.public_url, settings.issuer_name, settings.issuer_location
        )
        url = settings.public_url + DCC_REGISTRY_ENTRY
        return Vouching((RegistrySource("this registry's own entry", url, own["registry"]),))
    try:
        return Vouching(tuple(dcc_registry_file(path) for path in settings.issuer_registries))
    except RegistryFileError as exc:
        raise SystemExit(f"REGISTRY_ISSUER_REGISTRIES: {exc}") from None


def build_resources(settings: Settings) -> Resources:
    engine = make_engine(
        settings.database_url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_pool_overflow,
        pool_timeout=settings.db_pool_timeout,
    )
    keys = KeyStore(settings.keys_dir, settings.keys_passphrase)
    if settings.production:
        if not keys.has_active():
            raise SystemExit("REGISTRY_ENV=production needs an active signing key in the keys dir.")
        if keys.active().development:
            raise SystemExit(
                "REGISTRY_ENV=production refuses to sign with a development key: "
                "run `registry keys rotate` to make a real one."
            )
    issuer = Issuer(
        public_url=settings.public_url,
        name=settings.issuer_name,
        keys=keys,
        vouching=_vouching(settings),
    )
    # Live status reads apart from the requests' pool: a commit hook that reads the lists it
    # changed runs while the committing request still holds its connection, and must never wait
    # for a second one. Its reads are rare (one per change, one at a time): no pool at all.
    live_engine = make_engine(settings.database_url, pool_size=0)
    live = LiveStatus(live_engine, issuer.publisher(), issuer.di_publisher())
    throttle = SignInThrottle(
        make_counter(settings.redis_url),
        settings.sign_in_rate_limit,
        Lockout(failures=settings.sign_in_lockout),
    )
    verifier = Verifier(engine, issuer, live)
    zone = ZoneInfo(settings.time_zone)
    return Resources(
        engine, issuer, live, verifier, throttle, zone, settings.mail, settings.program_contact
    )


def _given(resources: Resources, name: str) -> Provide:
    """A dependency that hands over one of the resources (read when asked for: a test may
    swap one, as a database outage does)."""
    return Provide(lambda: getattr(resources, name), sync_to_thread=False)


UNTHROTTLED = ("/health", "/static/", "/metrics")


def _throttle(request: AnyRequest) -> bool:
    # Load balancers poll /health, Prometheus /metrics; browsers cache static files anyway.
    if request.url.path.startswith(UNTHROTTLED):
        return False
    return bool(request.route_handler.opt.get(PUBLIC))


def rate_limit_store(settings: Settings) -> Any:
    """Memory for one worker; Redis when several workers (or hosts) must share the counts."""
    if settings.redis_url:
        from litestar.stores.redis import RedisStore

        return RedisStore.with_client(url=settings.redis_url, namespace="cit-rate-limit")
    return MemoryStore()


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or get_settings()
    logfilter.install(log)
    resources = build_resources(settings)

    counted = RequestMetrics(resources.engine)
    at_start: list[AtStart] = [
        security_headers(settings.public_url.startswith("https://")),
        counted.at_start,
    ]
    access_log = AccessLog() if settings.access_log else None
    if access_log is not None:
        at_start.append(access_log.at_start)

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        resources.live.start()
        try:
            yield
        finally:
            resources.live.stop()
            resources.engine.dispose()
            await resources.sign_in_throttle.counter.close()
            if access_log is not None:
                access_log.flush()

    middleware: list[Any] = [
        counted.stamp,
        DefineMiddleware(
            BearerTokenAuth,
            engine=resources.engine,
            exclude_from_auth_key=PUBLIC,
            exclude="^/schema",
        ),
    ]
    stores: dict[str, Any] = {
        "rate_limit": rate_limit_store(settings),
    }
    console = Router(
        path="/console",
        route_handlers=[dashboard, *console_pages()],
        guards=[staff],
        include_in_schema=False,
    )
    if settings.rate_limit > 0:
        rate_limit = RateLimitConfig(
            rate_limit=("minute", settings.rate_limit), check_throttle_handler=_throttle
        )
        middleware.insert(1, rate_limit.middleware)
    # Next to outermost (after the request stamp): a preflight is answered before rate limits
    # and authentication, and every answer of a public path (a refusal too) is readable by a
    # browser wallet.
    middleware.insert(
        1, DefineMiddleware(PublicCors, paths=public_paths(did_document_path(settings.public_url)))
    )

    return Litestar(
        route_handlers=[
            operations.health,
            operations.ready,
            operations.prometheus,
            console_auth.login_form,
            console_auth.login,
            console_auth.logout,
            *account_links.HANDLERS,
            console_auth.keep_signed_in,
            console,
            LIAISON_PAGES,
            ACCOUNT_PAGES,
            pages.home,
            pages.course,
            pages.wallet,
            jwks,
            did_document_route(settings.public_url),
            dcc_registry_entry_route(
                settings.public_url, settings.issuer_name, settings.issuer_location
            ),
            status_list,
            # The verify API's token form is answered beneath the handler (TokenRequests).
            Router(
                path="/",
                route_handlers=[verify_token],
                # A function, not the verifier: Litestar deep-copies a router's middleware.
                middleware=[DefineMiddleware(TokenRequests, verifier=lambda: resources.verifier)],
            ),
            lookup_form,
            lookup_page,
            verify_form,
            verify_submit,
            credential_page,
            qr_svg,
            qr_png,
            credential_jwt,
            credential_json,
            certificate_pdf,
            RegionController,
            AgencyController,
            OfficerController,
            rotate_wallet_link,
            CourseController,
            ClassController,
            CertifyController,
            CredentialController,
            *STATUS_CHANGES,
            RenewalController,
            CEController,
            ImportController,
            *COVERAGE_HANDLERS,
            *DIRECTORY_HANDLERS,
            *WALLET_HANDLERS,
            create_static_files_router(
                path=DOCS_ASSETS,
                directories=[swagger_ui_bundle.swagger_ui_path],
                opt={PUBLIC: True},
            ),
            create_static_files_router(
                path="/static", directories=[WEB / "static"], opt={PUBLIC: True}
            ),
        ],
        dependencies={
            "session": Provide(session_provider(lambda: resources.engine)),
            "actor": Provide(provide_actor, sync_to_thread=False),
            "engine": _given(resources, "engine"),
            "issuer": _given(resources, "issuer"),
            "live": _given(resources, "live"),
            "verifier": _given(resources, "verifier"),
            "sign_in_throttle": _given(resources, "sign_in_throttle"),
            "zone": _given(resources, "zone"),
            "mail": _given(resources, "mail"),
            "program_contact": _given(resources, "program_contact"),
            "now": Provide(lambda: resources.clock(), sync_to_thread=False),
        },
        # For the tests and a debugger: the code takes these as dependencies and arguments.
        state=State({"resources": resources}),
        middleware=middleware,
        logging_config=logfilter.litestar_logging(),
        exception_handlers={k: public_page_aware(console_aware(v)) for k, v in HANDLERS.items()},
        template_config=TemplateConfig(
            directory=WEB / "templates",
            engine=JinjaTemplateEngine,
            engine_callback=lambda engine: _template_globals(engine, settings, resources.engine),
        ),
        openapi_config=OpenAPIConfig(
            title="CIT Credential Registry",
            version="1.0.0",
            description="Training records and verifiable CIT certifications.",
            path="/schema",
            # Swagger UI served from the installed package: the docs work with no internet.
            render_plugins=[
                SwaggerRenderPlugin(
                    path="/",
                    js_url=f"{DOCS_ASSETS}/swagger-ui-bundle.js",
                    css_url=f"{DOCS_ASSETS}/swagger-ui.css",
                    standalone_preset_js_url=f"{DOCS_ASSETS}/swagger-ui-standalone-preset.js",
                )
            ],
        ),
        stores=stores,
        before_send=[on_response_start(*at_start)],
        before_request=gate.before_request,
        lifespan=[lifespan],
        debug=False,
    )


def _template_globals(engine: JinjaTemplateEngine, settings: Settings, database: Engine) -> None:
    """What every template may use: the date filters and how to reach the program. The
    templates ship with the code: compiled once, never checked against the disk again (Jinja
    otherwise stats the file on every page it renders)."""
    engine.engine.auto_reload = False
    engine.engine.filters.update(dates.filters(ZoneInfo(settings.time_zone)))
    # One rule for a credential's state on every console page (credentials.display).
    engine.engine.globals["shown_state"] = lambda c: display.shown_state(c, utcnow())
    engine.engine.globals["program_contact"] = partial(
        _program_contact, database, settings.program_contact, settings.public_url
    )
    engine.engine.globals["issuer_name"] = settings.issuer_name
    engine.engine.globals["expiring_max_days"] = EXPIRING_MAX_DAYS


def _program_contact(database: Engine, configured: str, operator_url: str) -> str:
    """Read when a page names it (the pages that send a reader to the program: never a valid
    verdict's), so that the contact the administrator saves shows on every worker at once."""
    with Session(database) as session:
        row = contact.program_contact(session)
        return contact.contact_line(row, configured, operator_url)


def console_pages() -> list[Any]:
    """Every console page module's handlers (the dashboard is wired above)."""
    from registry.web.console import pages_registry

    return list(pages_registry.HANDLERS)
