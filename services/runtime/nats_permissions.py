"""Who may do what on NATS: one user per service, and the server configuration made from that table.

Without it anyone who reaches NATS reads every event and forges any: a forged
`payments.topup.confirmed` once made the bot tell a customer that $5,000.00 was added to their
wallet. So each service connects as its own user, which

- publishes only its own subjects (`<service>.>`) and manages only its own stream (info, create,
  update; never delete or purge);
- reads another service's events only through the durable consumers it owns, named here: it may
  look up and create (not change or delete) that service's stream, so start order does not matter,
  create and fetch from its own consumers, and acknowledge their messages (`$JS.ACK.<STREAM>.<durable>.>`);
- subscribes only to its own reply inbox, `_INBOX_<service>.>` (EventBus sets the prefix): with the
  shared `_INBOX.>` one service could read the events JetStream delivers to another.

The tick CronJobs and the sandbox never connect to NATS, so they have no user.

This module is the one place the table lives. `devstack/nats.py` writes the local and test servers'
configuration from it (with the local passwords below), and `deploy/nats/speechcue-authorization.conf`,
the configuration an operator gives the cluster's NATS, is rendered from it too (a test keeps the
file current; `python -m devstack.nats authorization` prints it). Pure: no I/O.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

# Local development and the tests only: settings refuse these outside them (a "local-" value).
DEVELOPMENT_PASSWORD_PREFIX = "local-nats-"
# The local platform's and the tests' own user for reading streams and publishing test events. The
# cluster's configuration has no such user; an operator inspects streams with the system account.
TOOLS_USER = "devtools"


def development_password(user: str) -> str:
    """The password of `user` on the local platform and in the tests: "bot" → "local-nats-bot"."""
    return f"{DEVELOPMENT_PASSWORD_PREFIX}{user}"


def stream_name(service: str) -> str:
    """The stream holding `<service>.>`: "wallet" → "WALLET"."""
    return service.upper()


def inbox_prefix(user: str) -> str:
    """Where a service's replies and fetched events arrive: "bot" → "_INBOX_bot"."""
    return f"_INBOX_{user}"


@dataclass(frozen=True)
class Consumption:
    """A durable consumer a service owns on another service's stream."""

    source: str
    durable: str


@dataclass(frozen=True)
class NatsUser:
    """One service's identity on NATS: the stream it produces and the consumers it reads through."""

    name: str
    consumes: tuple[Consumption, ...] = ()

    def publish_allow(self) -> list[str]:
        own = stream_name(self.name)
        allowed = [f"{self.name}.>",
                   f"$JS.API.STREAM.INFO.{own}", f"$JS.API.STREAM.CREATE.{own}", f"$JS.API.STREAM.UPDATE.{own}"]
        for source in dict.fromkeys(consumption.source for consumption in self.consumes):
            allowed += [f"$JS.API.STREAM.INFO.{stream_name(source)}", f"$JS.API.STREAM.CREATE.{stream_name(source)}"]
        for consumption in self.consumes:
            stream, durable = stream_name(consumption.source), consumption.durable
            allowed += [
                # nats.py creates a durable with DURABLE.CREATE; newer clients name it in CONSUMER.CREATE.
                f"$JS.API.CONSUMER.DURABLE.CREATE.{stream}.{durable}",
                f"$JS.API.CONSUMER.CREATE.{stream}.{durable}",
                f"$JS.API.CONSUMER.CREATE.{stream}.{durable}.>",
                f"$JS.API.CONSUMER.INFO.{stream}.{durable}",
                f"$JS.API.CONSUMER.MSG.NEXT.{stream}.{durable}",
                f"$JS.ACK.{stream}.{durable}.>",
            ]
        return allowed

    def subscribe_allow(self) -> list[str]:
        return [f"{inbox_prefix(self.name)}.>"]


# The bot turns the other services' events into messages (services/bot/notifications.py names the
# same durables; tests/runtime/test_nats_permissions.py checks they agree). Nobody else consumes.
SERVICE_USERS: dict[str, NatsUser] = {
    "wallet": NatsUser("wallet"),
    "calls": NatsUser("calls"),
    "payments": NatsUser("payments"),
    "bot": NatsUser("bot", consumes=(Consumption("calls", "bot-notifications-calls"),
                                     Consumption("payments", "bot-notifications-payments"),
                                     Consumption("wallet", "bot-notifications-wallet"))),
}


def password_variable(user: str) -> str:
    """The environment variable the cluster's NATS reads a service's password from: "bot" →
    "SPEECHCUE_NATS_PASSWORD_BOT" (the same value is that service's SPEECHCUE_NATS_PASSWORD)."""
    return f"SPEECHCUE_NATS_PASSWORD_{user.upper()}"


@dataclass(frozen=True)
class Password:
    """A password written into the configuration as it is (local) or as a `$VARIABLE` NATS reads
    from its environment (the cluster: the password stays in a Secret)."""

    value: str
    from_environment: bool = False

    def render(self) -> str:
        return f"${self.value}" if self.from_environment else json.dumps(self.value)


def authorization_block(passwords: Mapping[str, Password], *, users: Iterable[NatsUser] = SERVICE_USERS.values(),
                        unrestricted: Iterable[str] = ()) -> str:
    """The `authorization { users = [...] }` block of a nats-server configuration: each service user
    with its permissions, and users in `unrestricted` (the local tools user) with none."""
    lines = ["authorization {", "  users = ["]
    for user in users:
        lines += [
            "    {",
            f"      user: {json.dumps(user.name)}",
            f"      password: {passwords[user.name].render()}",
            "      permissions {",
            f"        publish {{ allow = {_subjects(user.publish_allow())} }}",
            f"        subscribe {{ allow = {_subjects(user.subscribe_allow())} }}",
            "      }",
            "    }",
        ]
    for name in unrestricted:
        lines += ["    {", f"      user: {json.dumps(name)}", f"      password: {passwords[name].render()}", "    }"]
    lines += ["  ]", "}"]
    return "\n".join(lines) + "\n"


def _subjects(subjects: list[str]) -> str:
    return "[" + ", ".join(json.dumps(subject) for subject in subjects) + "]"


def development_authorization() -> str:
    """The local platform's and the tests' block: the service users with their local passwords, and
    the tools user."""
    names = [*SERVICE_USERS, TOOLS_USER]
    return authorization_block({name: Password(development_password(name)) for name in names},
                               unrestricted=[TOOLS_USER])


CLUSTER_HEADER = """\
# Speechcue's NATS users, for the NATS that runs beside the chart (generated from
# services/runtime/nats_permissions.py by `python -m devstack.nats authorization`; do not edit).
#
# Each service connects as its own user (SPEECHCUE_NATS_USER, the service's name, and
# SPEECHCUE_NATS_PASSWORD from the Secret key <SERVICE>_NATS_PASSWORD), publishes only its own
# subjects and reads others' events only through its own durable consumers. NATS reads each password
# from its environment: give the NATS server container SPEECHCUE_NATS_PASSWORD_WALLET, _CALLS,
# _PAYMENTS and _BOT from the same Secret, and include this file in its configuration
# (`include speechcue-authorization.conf` in nats.conf; the NATS Helm chart's `config.merge` can add
# the include). NATS refuses every other connection once users are configured.
"""


def cluster_authorization() -> str:
    """What an operator gives the cluster's NATS: the same table, passwords from its environment."""
    return CLUSTER_HEADER + authorization_block(
        {name: Password(password_variable(name), from_environment=True) for name in SERVICE_USERS})
