"""Messages from the session to the app. Posting a message is thread-safe."""
from __future__ import annotations

from textual.message import Message

from .protocol import Frame, Notice


class FrameReady(Message):
    """A new frame to draw. The app acknowledges each one once drawn (session.frame_drawn);
    the session's Pacer holds the next periodic frame back until then, so frames the screen is
    too slow for are skipped instead of piling up in the queue."""

    def __init__(self, frame: Frame) -> None:
        super().__init__()
        self.frame = frame


class SessionNotice(Message):
    """Something the session wants the user to read once (export path, restart, refusal)."""

    def __init__(self, notice: Notice) -> None:
        super().__init__()
        self.notice = notice
