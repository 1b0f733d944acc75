"""What Streamlit answers a page whose message failed inside it, kept plain (``ui.server.backmsgs`` installs it).

Streamlit sends back the exception's type, text and stack (the server's paths in it) and logs a traceback for each
such message: an outsider's script sending 1,000 bad frames got the install path back and 434 kB of log (issue 63).
"""

from __future__ import annotations

import logging

from ui.server.limits import OncePerSecond

PLAIN_ERROR = "The server could not handle a message from this page: reload the page."
_BACKMSG_ERRORS = ("Error processing back message", "Error deserializing back message")


class _BackMsgErrorsOncePerSecond(logging.Filter):
    """Streamlit's "Error processing back message" records: one line a second at most, without the traceback."""

    def __init__(self) -> None:
        super().__init__()
        self._said = OncePerSecond()

    def filter(self, record: logging.LogRecord) -> bool:
        if str(record.msg) not in _BACKMSG_ERRORS:
            return True
        if not self._said.allow():
            return False
        error = record.exc_info[1] if record.exc_info else None
        shown = f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}" if error else ""
        record.msg, record.args = f"{record.msg}: {shown[:200]}{self._said.held_text()}", None
        record.exc_info, record.exc_text, record.stack_info = None, None, None
        return True


def plain_backmsg_errors() -> bool:
    """What Streamlit sends a page whose message failed (``AppSession.handle_backmsg_exception``: the exception's
    type, text and stack, paths included) becomes ``PLAIN_ERROR``; its log line comes once a second at most."""
    from streamlit.runtime.app_session import AppSession

    for name in ("streamlit.runtime.app_session", "streamlit.web.server.starlette.starlette_websocket"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, _BackMsgErrorsOncePerSecond) for f in logger.filters):
            logger.addFilter(_BackMsgErrorsOncePerSecond())
    original = AppSession._create_exception_message
    if getattr(original, "plain", False):
        return True

    def _create_exception_message(self: AppSession, e: BaseException) -> object:  # noqa: ARG001 - e stays unsaid
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        message = ForwardMsg()
        message.delta.new_element.exception.type = "Error"
        message.delta.new_element.exception.message = PLAIN_ERROR
        return message

    _create_exception_message.plain = True  # type: ignore[attr-defined]
    AppSession._create_exception_message = _create_exception_message  # type: ignore[method-assign]
    return True
