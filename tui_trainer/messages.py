"""Messages from the training thread to the app. Posting a message is thread-safe."""
from __future__ import annotations

from textual.message import Message

from .session import Frame, Notice


class FrameReady(Message):
    """A new frame to draw. A newer frame waiting in the queue makes this one redundant, so
    a slow screen skips stale frames instead of falling behind (as toolong's SizeChanged)."""

    def __init__(self, frame: Frame) -> None:
        super().__init__()
        self.frame = frame

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, FrameReady)


class SessionNotice(Message):
    """Something the session wants the user to read once (export path, restart, refusal)."""

    def __init__(self, notice: Notice) -> None:
        super().__init__()
        self.notice = notice
