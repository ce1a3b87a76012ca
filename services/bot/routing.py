"""Which function answers which update: buttons by the first part of their payload, texts by the
state the conversation expects, and commands by name. Screen modules register themselves here."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from services.bot.turn import Turn

ButtonHandler = Callable[[Turn, list[str]], Awaitable[None]]
TextHandler = Callable[[Turn, str], Awaitable[None]]
DocumentHandler = Callable[[Turn, bytes, str], Awaitable[None]]
CommandHandler = Callable[[Turn], Awaitable[None]]


@dataclass
class Router:
    buttons: dict[str, ButtonHandler] = field(default_factory=dict)
    texts: dict[str, TextHandler] = field(default_factory=dict)
    documents: dict[str, DocumentHandler] = field(default_factory=dict)
    commands: dict[str, CommandHandler] = field(default_factory=dict)
    # Buttons and commands that work before onboarding is finished.
    open_to_newcomers: set[str] = field(default_factory=set)

    def button(self, screen: str, *, newcomers: bool = False) -> Callable[[ButtonHandler], ButtonHandler]:
        def register(handler: ButtonHandler) -> ButtonHandler:
            if screen in self.buttons:
                raise ValueError(f"two handlers for button {screen}")
            self.buttons[screen] = handler
            if newcomers:
                self.open_to_newcomers.add(screen)
            return handler
        return register

    def text(self, state: str) -> Callable[[TextHandler], TextHandler]:
        def register(handler: TextHandler) -> TextHandler:
            self.texts[state] = handler
            return handler
        return register

    def document(self, state: str) -> Callable[[DocumentHandler], DocumentHandler]:
        def register(handler: DocumentHandler) -> DocumentHandler:
            self.documents[state] = handler
            return handler
        return register

    def command(self, name: str, *, newcomers: bool = False) -> Callable[[CommandHandler], CommandHandler]:
        def register(handler: CommandHandler) -> CommandHandler:
            self.commands[name] = handler
            if newcomers:
                self.open_to_newcomers.add(f"/{name}")
            return handler
        return register


router = Router()
