"""Who may call which method: each caller of a Speechcue service has its own identity and token, and
each service allows each identity only the methods it needs (its `access.py`). A pod that is taken
over can then do what its own service does, and no more: the calls service cannot `Credit` a
wallet, and only the bot, which checks the admin's Telegram id, reaches an admin RPC.

The identities are the three services that call others (`bot`, `calls`, `payments`) and one per tick
(`tick-billing`, …: each CronJob runs with its own). Their tokens travel as `authorization: Bearer
<token>` (services/runtime/grpc_client.py); the server finds the identity from the token
(services/runtime/grpc_interceptor.py) and asks the service's table.

Configuration:
- `SPEECHCUE_CALLER_TOKEN`: the token this process calls with (bot, calls, payments, each CronJob).
- `SPEECHCUE_CALLER_TOKEN_HASHES`: what a server accepts, `identity=<sha256 hex of its token>,…`.
  A server keeps only digests, so a wallet pod holds no token it could call the calls service with.

In development and test both may be left empty: every identity's token is then derived from its name
(`local-caller-token-bot`), published here, and so refused anywhere else. There, and only there, the
`harness` identity (tests, benches and the local demo, calling from outside the platform) may call
every method.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from google.protobuf.descriptor import ServiceDescriptor

from cronjobs.schedule import TICKS
from services.runtime.settings import ServiceSettings

BOT = "bot"
CALLS = "calls"
PAYMENTS = "payments"
HARNESS = "harness"
DEVELOPMENT_ENVIRONMENTS = frozenset({"development", "test"})
DEVELOPMENT_TOKEN_PREFIX = "local-caller-token-"
# A request field only admin RPCs have: the bot checks it against SPEECHCUE_ADMIN_TELEGRAM_IDS.
ADMIN_FIELD = "admin_telegram_id"


def tick_identity(tick_name: str) -> str:
    """"billing" → "tick-billing": the identity the billing CronJob calls with."""
    return f"tick-{tick_name}"


# Every caller there is: a production server refuses digests for any other name (a typo is not ignored).
IDENTITIES = frozenset({BOT, CALLS, PAYMENTS, *(tick_identity(tick.name) for tick in TICKS)})


class CallerConfigurationError(ValueError):
    """A caller token or the accepted digests cannot be used; the message names the variable."""


def development_token(identity: str) -> str:
    """"bot" → "local-caller-token-bot": derived, so development and test need no configuration."""
    return f"{DEVELOPMENT_TOKEN_PREFIX}{identity}"


def token_digest(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


@dataclass(frozen=True)
class AccessTable:
    """One service's rule: which methods each caller identity may call."""

    service: str  # the full gRPC service name, e.g. "speechcue.wallet.v1.WalletService"
    allowed: Mapping[str, frozenset[str]]

    def may_call(self, identity: str, method: str) -> bool:
        return method in self.allowed.get(identity, frozenset())

    @property
    def identities(self) -> frozenset[str]:
        return frozenset(self.allowed)


def access_table(service: ServiceDescriptor, allowed: Mapping[str, Iterable[str]]) -> AccessTable:
    """Builds a service's table, refusing (at import) a method the service does not have and an
    admin RPC (one whose request carries `admin_telegram_id`) given to anyone but the bot."""
    methods = {method.name: method for method in service.methods}
    table: dict[str, frozenset[str]] = {}
    for identity, names in allowed.items():
        names = frozenset(names)
        unknown = sorted(names - methods.keys())
        if unknown:
            raise ValueError(f"{service.name} has no method {', '.join(unknown)}")
        admin = sorted(name for name in names if ADMIN_FIELD in methods[name].input_type.fields_by_name)
        if admin and identity != BOT:
            raise ValueError(f"{', '.join(admin)} of {service.name} are admin RPCs: only the bot may call them")
        table[identity] = names
    return AccessTable(service.full_name, table)


def own_token(*, identity: str, configured: str, environment: str) -> str:
    """The token this process calls with: SPEECHCUE_CALLER_TOKEN, or in development and test, when
    it is empty, the identity's derived one."""
    if configured:
        if environment not in DEVELOPMENT_ENVIRONMENTS and configured.startswith(DEVELOPMENT_TOKEN_PREFIX):
            raise CallerConfigurationError(
                "SPEECHCUE_CALLER_TOKEN holds a value published for local development; set this caller's own token")
        return configured
    if environment in DEVELOPMENT_ENVIRONMENTS:
        return development_token(identity)
    raise CallerConfigurationError("SPEECHCUE_CALLER_TOKEN is not set: set the token of this caller's identity")


def settings_token(settings: ServiceSettings) -> str:
    """The token a service calls others with: its identity is its name ("bot", "calls", "payments")."""
    return own_token(identity=settings.service_name, configured=settings.speechcue_caller_token,
                     environment=settings.speechcue_env)


def parse_digests(text: str) -> dict[str, bytes]:
    """"bot=ab12…,tick-billing=cd34…" → {"bot": b"\\xab\\x12…", …}; refuses anything else, naming the entry."""
    digests: dict[str, bytes] = {}
    for number, entry in enumerate(text.replace(";", ",").split(","), start=1):
        entry = entry.strip()
        if not entry:
            continue
        identity, equals, hex_digest = (part.strip() for part in entry.partition("="))
        try:
            digest = bytes.fromhex(hex_digest)
        except ValueError:
            digest = b""
        if not equals or not identity or len(digest) != hashlib.sha256().digest_size:
            raise CallerConfigurationError(
                # Named by its identity or place, never echoed: a token pasted here by mistake stays out of logs.
                f"SPEECHCUE_CALLER_TOKEN_HASHES: {repr(identity) if equals and identity else f'entry {number}'} is "
                f"not identity=<64 hex digits of the SHA-256 of its token>")
        digests[identity] = digest
    return digests


def accepted_callers(*, configured: str, environment: str) -> dict[str, bytes]:
    """The token digest of each identity a server accepts. From SPEECHCUE_CALLER_TOKEN_HASHES; in
    development and test, when it is empty, the derived tokens of every identity and of the harness.
    Outside development and test the harness, any other unknown name and derived tokens are refused."""
    development = environment in DEVELOPMENT_ENVIRONMENTS
    if not configured:
        if not development:
            raise CallerConfigurationError("SPEECHCUE_CALLER_TOKEN_HASHES is not set: set identity=<sha256 hex>,… "
                                           "for every caller (see the chart's README, \"Secrets\")")
        return {identity: token_digest(development_token(identity)) for identity in {*IDENTITIES, HARNESS}}
    digests = parse_digests(configured)
    if not development:
        unknown = sorted(digests.keys() - IDENTITIES)
        if unknown:
            raise CallerConfigurationError(
                f"SPEECHCUE_CALLER_TOKEN_HASHES names {', '.join(map(repr, unknown))}, which is not a caller here "
                f"(the callers are {', '.join(sorted(IDENTITIES))}; the harness is for development and test)")
        published = sorted(identity for identity, digest in digests.items()
                           if hmac.compare_digest(digest, token_digest(development_token(identity))))
        if published:
            raise CallerConfigurationError(f"SPEECHCUE_CALLER_TOKEN_HASHES: the token of {', '.join(published)} is "
                                           f"the one published for local development; set a token of your own")
    return digests


def identify(authorization: str, digests: Mapping[str, bytes]) -> str | None:
    """The identity whose token `authorization` ("Bearer <token>") carries, or None. Every digest is
    compared, in constant time, so the time taken says nothing about which one was close."""
    scheme, _, token = authorization.partition(" ")
    digest = token_digest(token)
    found: str | None = None
    for identity, expected in digests.items():
        if hmac.compare_digest(digest, expected) and scheme == "Bearer" and token:
            found = identity
    return found
