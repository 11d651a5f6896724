"""A headless client for Streamlit's own websocket protocol, for load tests and end-to-end checks.

It speaks to a server started with `streamlit run` on the loopback interface the way the browser
does, so a benchmark can drive real app pages from another process without a browser:

1. GET `/_stcore/health`, which sets the `_streamlit_xsrf` cookie.
2. Open the websocket at `/_stcore/stream` with the subprotocol list `["streamlit", <xsrf token>]`
   (the server reads the second entry as the XSRF token and checks it against the cookie, which
   is sent too, with a same-origin `Origin` header).
3. Nothing runs until the client asks: each run is a `BackMsg.rerun_script` carrying a
   `ClientState` (query string, page, every widget's value, the hashes of the cached messages,
   browser context). The server answers with ForwardMsgs: `new_session` (run started; first time
   with the session id), `navigation` (st.navigation pages), `delta`s (elements, at a
   `metadata.delta_path`), and `script_finished` (the run is over).

Forward-message cache: like the browser, the client keeps every delta the server marks
`metadata.cacheable` (large elements), keyed by hash, and lists those hashes in the next
`ClientState`; the server then sends a `ref_hash` message instead of the element, which the client
resolves from its cache. Entries not used for `max_cached_message_age` full runs (a server setting
sent in `new_session.config`) are dropped at the end of a run, so a long session stays small.

Widget values persist across runs as in the browser (a text input keeps its text), buttons send a
one-shot trigger, and values of widgets that left the page are forgotten after a full run.

    with StreamlitClient("http://127.0.0.1:8501") as client:
        first = client.open()                  # connect and run the default page
        result = client.click("Click me")      # rerun with that button's trigger set
        result.latency_s, result.text(), result.exceptions
        client.navigate("Two")                 # st.navigation page by title, URL path or hash

Not covered: file uploads, st.fragment(run_every) auto reruns, components, reconnecting to an old
session. Only loopback URLs are accepted.
"""

from __future__ import annotations

import contextlib
import http.cookies
import time
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final
from urllib.parse import urlsplit

import websocket
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ClientState_pb2 import ClientState
from streamlit.proto.Delta_pb2 import Delta
from streamlit.proto.Element_pb2 import Element
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

__all__ = [
    "TRIGGER",
    "ConnectionClosed",
    "RunResult",
    "RunTimeout",
    "StreamlitClient",
    "StreamlitClientError",
    "Widget",
    "widget_state",
]

LOOPBACK_HOSTS: Final = frozenset({"127.0.0.1", "localhost", "::1"})
XSRF_COOKIE: Final = "_streamlit_xsrf"
STREAM_PATH: Final = "/_stcore/stream"
HEALTH_PATH: Final = "/_stcore/health"
#: Used until the server's own value arrives in new_session.config (Streamlit's default is 2).
DEFAULT_MAX_CACHED_MESSAGE_AGE: Final = 2
#: A hard ceiling on cached messages, whatever the server's age setting.
MAX_CACHE_ENTRIES: Final = 5000
#: A bound on the messages one run may bring, so a runaway page cannot hold a client forever.
MAX_MESSAGES_PER_RUN: Final = 200_000

_EARLY: Final = ForwardMsg.FINISHED_EARLY_FOR_RERUN
_FRAGMENT_DONE: Final = ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY
#: Element kinds whose value is a one-shot trigger, not a stored value.
_TRIGGER_KINDS: Final = frozenset({"button", "download_button"})
#: Element kinds chosen from `options`, sent as the formatted option string.
_OPTION_KINDS: Final = frozenset({"radio", "selectbox"})
#: Text fields of elements that show text, by element kind.
_TEXT_FIELDS: Final = {
    "markdown": "body", "text": "body", "heading": "body", "alert": "body", "code": "code_text",
    "metric": "body",
}


class StreamlitClientError(RuntimeError):
    """The server did not behave as the protocol expects (closed, refused, or stalled)."""


class RunTimeout(StreamlitClientError):
    """A script run did not finish within the client's timeout.

    The run may still be going on the server; close the client and open a new one rather than
    reusing it (bench.load does).
    """


class ConnectionClosed(StreamlitClientError):
    """The websocket closed or failed while the client was using it."""


class _Trigger:
    """The value of a button press: `client.rerun({button_id: TRIGGER})`."""

    def __repr__(self) -> str:
        return "TRIGGER"


#: Pass as a widget value to press a button (any truthy value does the same for button kinds).
TRIGGER: Final = _Trigger()


@dataclass(frozen=True)
class Widget:
    """A widget found on a page: its id (for widget states), kind, label and protobuf."""

    id: str
    kind: str
    label: str
    proto: Any = field(repr=False)
    path: tuple[int, ...] = ()

    @property
    def options(self) -> list[str]:
        """The formatted options of a radio, selectbox or multiselect (empty for others)."""
        return list(getattr(self.proto, "options", ()))


@dataclass
class RunResult:
    """What one script run sent back, and how long it took."""

    #: Seconds from sending the rerun request to receiving the final `script_finished`.
    latency_s: float
    #: Name of the final ForwardMsg.ScriptFinishedStatus, e.g. "FINISHED_SUCCESSFULLY".
    status: str
    #: Every delta of the run (ref_hash messages already resolved), with its delta path.
    deltas: list[tuple[tuple[int, ...], Delta]] = field(default_factory=list)
    #: Exceptions shown on the page (exception elements and script compilation errors).
    exceptions: list[Any] = field(default_factory=list)
    page_script_hash: str = ""
    #: ForwardMsgs received during the run, their bytes, and how many came as cache references.
    messages: int = 0
    bytes_received: int = 0
    refs: int = 0
    #: Seconds from the request to the first delta (None when the run drew nothing).
    first_delta_s: float | None = None
    #: True when `page_not_found` arrived (the server fell back to the default page).
    page_not_found: bool = False

    @property
    def ok(self) -> bool:
        """Finished normally and showed no exception."""
        return self.status != "FINISHED_WITH_COMPILE_ERROR" and not self.exceptions

    def elements(self) -> list[tuple[tuple[int, ...], Element]]:
        """The run's elements in arrival order, with their delta paths."""
        return [(path, delta.new_element) for path, delta in self.deltas
                if delta.WhichOneof("type") == "new_element"]

    def texts(self) -> list[str]:
        """The text of every text-showing element (markdown, text, headings, alerts, code...)."""
        return [text for _, element in self.elements() if (text := element_text(element))]

    def text(self) -> str:
        """All texts joined by newlines, for `in` checks."""
        return "\n".join(self.texts())

    def widgets(self) -> list[Widget]:
        """Every widget of the run (elements with an id and a label)."""
        return [w for path, element in self.elements() if (w := as_widget(path, element))]

    def widget(self, label: str, kind: str | None = None) -> Widget:
        """The widget with exactly this label (and kind, if given); see `find_widget`."""
        return find_widget(self.widgets(), label, kind)


def element_text(element: Element) -> str:
    """The visible text of a text-showing element, or ""."""
    kind = element.WhichOneof("type")
    name = _TEXT_FIELDS.get(kind or "")
    if name is None:
        return ""
    proto = getattr(element, kind or "")
    if kind == "metric":
        return f"{proto.label} {proto.body}".strip()
    return str(getattr(proto, name, ""))


def as_widget(path: tuple[int, ...], element: Element) -> Widget | None:
    """The element as a Widget when it is one (it has an `id` and a `label`), else None."""
    kind = element.WhichOneof("type")
    if kind is None:
        return None
    proto = getattr(element, kind)
    fields = proto.DESCRIPTOR.fields_by_name
    if "id" not in fields or "label" not in fields or not proto.id:
        return None
    return Widget(id=proto.id, kind=kind, label=proto.label, proto=proto, path=path)


def find_widget(widgets: Sequence[Widget], label: str, kind: str | None = None) -> Widget:
    """The one widget whose label is exactly `label` (and whose kind is `kind`, if given).

    Falls back to a unique case-insensitive substring match. Raises LookupError naming the
    labels that exist when nothing (or more than one) matches.
    """
    pool = [w for w in widgets if kind is None or w.kind == kind]
    exact = [w for w in pool if w.label == label]
    if len(exact) == 1:
        return exact[0]
    if not exact:
        loose = [w for w in pool if label.casefold() in w.label.casefold()]
        if len(loose) == 1:
            return loose[0]
        exact = loose
    found = ", ".join(f"{w.kind} {w.label!r}" for w in pool) or "none"
    problem = "several widgets match" if exact else "no widget matches"
    raise LookupError(f"{problem} label {label!r} (kind={kind}); widgets on the page: {found}")


def widget_state(widget_id: str, value: Any, kind: str | None = None,
                 options: Sequence[str] = ()) -> WidgetState:
    """Build the WidgetState the browser would send for `value`.

    With the widget's kind known: buttons take any truthy value as a trigger; radio and
    selectbox take an option index (int) or the option text (a multiselect, a list of either);
    text widgets take a string; number inputs and sliders a number; checkboxes a bool.
    Otherwise the Python type decides: TRIGGER, bool, int, float, str, or a list of str/float.
    """
    def option(index: int) -> str:
        if not 0 <= index < len(options):
            raise IndexError(f"{kind} {widget_id} has {len(options)} options; index {index} given")
        return options[index]

    state = WidgetState(id=widget_id)
    if kind in _TRIGGER_KINDS or value is TRIGGER:
        state.trigger_value = bool(value)
    elif kind in _OPTION_KINDS and isinstance(value, int) and not isinstance(value, bool):
        state.string_value = option(value)
    elif kind == "multiselect" and isinstance(value, (list, tuple)):
        state.string_array_value.data.extend(v if isinstance(v, str) else option(v) for v in value)
    elif kind == "checkbox":
        state.bool_value = bool(value)
    elif kind == "number_input" and isinstance(value, (int, float)):
        state.double_value = float(value)
    elif kind == "slider" and isinstance(value, (int, float)):
        state.double_array_value.data.append(float(value))
    elif isinstance(value, bool):
        state.bool_value = value
    elif isinstance(value, int):
        state.int_value = value
    elif isinstance(value, float):
        state.double_value = value
    elif isinstance(value, str):
        state.string_value = value
    elif isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        state.string_array_value.data.extend(value)
    elif isinstance(value, (list, tuple)):
        state.double_array_value.data.extend(float(v) for v in value)
    else:
        raise TypeError(f"no widget state for a {type(value).__name__} value")
    return state


def _loopback(url: str) -> tuple[str, str]:
    """Split an http(s) URL into (http base, ws base), refusing anything but loopback."""
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or parts.hostname not in LOOPBACK_HOSTS:
        raise ValueError(f"only http://127.0.0.1 (loopback) servers are supported, not {url!r}")
    base = f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"
    ws_scheme = "wss" if parts.scheme == "https" else "ws"
    return base, f"{ws_scheme}://{parts.netloc}{parts.path.rstrip('/')}"


@dataclass
class _CacheEntry:
    msg: ForwardMsg
    last_used_run: int


class StreamlitClient:
    """One browser tab's worth of Streamlit session, driven synchronously from one thread.

    Every request method sends one rerun and blocks until its run has finished, returning a
    RunResult. Not thread-safe: use one client per thread.
    """

    def __init__(self, url: str = "http://127.0.0.1:8501", *, timeout: float = 30.0,
                 query_string: str = "", locale: str = "en-GB", timezone: str = "UTC",
                 cookies: Mapping[str, str] | None = None) -> None:
        self.base_url, self._ws_base = _loopback(url)
        #: Cookies the browser holds for the site (a session cookie, say), sent with every request.
        self.cookies = dict(cookies or {})
        parts = urlsplit(self.base_url)
        self._origin = f"{parts.scheme}://{parts.netloc}"  # same-origin, as from the app's page
        self.timeout = timeout
        self.query_string = query_string
        self.locale = locale
        self.timezone = timezone
        self.session_id = ""
        self.page_script_hash = ""
        self.main_script_hash = ""
        self.pages: list[Any] = []  # AppPage protos from `navigation` / `new_session`
        self.last: RunResult | None = None
        self._ws: websocket.WebSocket | None = None
        self._states: dict[str, WidgetState] = {}
        self._cache: dict[str, _CacheEntry] = {}
        self._max_age = DEFAULT_MAX_CACHED_MESSAGE_AGE
        self._runs = 0  # full runs finished, the cache's clock
        self._page: dict[tuple[int, ...], Delta] = {}  # the page as last drawn, by delta path

    # -- connection ----------------------------------------------------------------------------

    def connect(self) -> None:
        """Fetch the XSRF cookie and open the websocket; runs nothing (see `open`)."""
        if self._ws is not None:
            return
        xsrf = self._xsrf_cookie()
        subprotocols = ["streamlit", xsrf] if xsrf else ["streamlit"]
        try:
            self._ws = websocket.create_connection(
                self._ws_base + STREAM_PATH, timeout=self.timeout, subprotocols=subprotocols,
                origin=self._origin,
                cookie=self._cookie_header({XSRF_COOKIE: xsrf} if xsrf else {}),
                enable_multithread=False,
            )
        except (OSError, websocket.WebSocketException) as exc:
            raise ConnectionClosed(f"cannot open {self._ws_base}{STREAM_PATH}: {exc}") from exc

    def open(self, page: str | None = None) -> RunResult:
        """Connect and run the app as a browser's first load does, optionally at a page URL path."""
        self.connect()
        return self._run(page_script_hash="", page_name=page or "")

    def clear_caches(self) -> None:
        """Send the `clear_cache` message any browser can send (the "Clear cache" menu item).

        Streamlit answers nothing; the next rerun on this connection runs after it is handled.
        """
        request = BackMsg()
        request.clear_cache = True
        try:
            self._require().send_binary(request.SerializeToString())
        except (OSError, websocket.WebSocketException) as exc:
            self.close()
            raise ConnectionClosed(f"cannot send clear_cache: {exc}") from exc

    def close(self) -> None:
        """Close the websocket; the server then disconnects the session."""
        ws, self._ws = self._ws, None
        if ws is not None:
            with contextlib.suppress(OSError, websocket.WebSocketException):
                ws.close(timeout=1.0)

    def __enter__(self) -> StreamlitClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def connected(self) -> bool:
        return self._ws is not None

    def _cookie_header(self, extra: Mapping[str, str]) -> str | None:
        jar = {**self.cookies, **extra}
        return "; ".join(f"{name}={value}" for name, value in jar.items()) or None

    def _xsrf_cookie(self) -> str:
        # The held cookies go along, so a proxy that routes by cookie sends this request to the
        # same process as the websocket that follows.
        cookie = self._cookie_header({})
        request = urllib.request.Request(self.base_url + HEALTH_PATH, method="GET",
                                         headers={"Cookie": cookie} if cookie else {})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                headers = response.headers.get_all("Set-Cookie") or []
        except OSError as exc:
            raise ConnectionClosed(f"health check at {self.base_url} failed: {exc}") from exc
        for header in headers:
            jar: http.cookies.SimpleCookie = http.cookies.SimpleCookie()
            jar.load(header)
            if XSRF_COOKIE in jar:
                return jar[XSRF_COOKIE].value
        return ""  # XSRF protection is off

    # -- requests ------------------------------------------------------------------------------

    def rerun(self, widgets: Mapping[str, Any] | None = None, *, timeout: float | None = None,
              ) -> RunResult:
        """Rerun the current page, first setting these widget values (keyed by widget id).

        Values follow `widget_state`: for a button any truthy value presses it; for a radio or
        selectbox an int is an option index. Other widgets keep their last values.
        """
        self.set_widgets(widgets or {})
        return self._run(page_script_hash=self.page_script_hash, page_name="", timeout=timeout)

    def set_widgets(self, widgets: Mapping[str, Any]) -> None:
        """Stage widget values for the next run without running (a form's fields, for example)."""
        known = {w.id: w for w in self.widgets()}
        for widget_id, value in widgets.items():
            widget = known.get(widget_id)
            state = widget_state(widget_id, value, widget.kind if widget else None,
                                 widget.options if widget else ())
            self._states[widget_id] = state

    def click(self, label: str, *, kind: str | None = None) -> RunResult:
        """Press the button with this label and rerun."""
        widget = self.widget(label, kind)
        return self.rerun({widget.id: TRIGGER})

    def fill(self, label: str, text: str, *, kind: str | None = None) -> RunResult:
        """Type `text` into the text input (or area) with this label, as on blur, and rerun."""
        widget = self.widget(label, kind)
        return self.rerun({widget.id: text})

    def choose(self, label: str, option: int | str, *, kind: str | None = None) -> RunResult:
        """Pick an option (by index or text) of the radio or selectbox with this label and rerun."""
        widget = self.widget(label, kind)
        return self.rerun({widget.id: option})

    def navigate(self, page: str, *, timeout: float | None = None) -> RunResult:
        """Go to an st.navigation page, by title, URL path or page_script_hash, as a nav click does.

        A name that matches no known page is sent as a URL path (the page name the browser sends
        when a page is opened by its address).
        """
        target = self.find_page(page)
        if target is None:
            return self._run(page_script_hash="", page_name=page, timeout=timeout)
        return self._run(page_script_hash=target.page_script_hash, page_name="", timeout=timeout)

    def find_page(self, page: str) -> Any | None:
        """The AppPage whose hash, title or URL path is `page`, or None."""
        for key in ("page_script_hash", "page_name", "url_pathname"):
            for candidate in self.pages:
                if getattr(candidate, key) == page:
                    return candidate
        return None

    def idle(self, seconds: float) -> int:
        """Wait like a reader does, still answering pings and taking stray messages.

        Returns the number of messages that arrived meanwhile.
        """
        deadline = time.monotonic() + max(0.0, seconds)
        count = 0
        ws = self._require()
        while (left := deadline - time.monotonic()) > 0:
            ws.settimeout(min(left, 1.0))
            try:
                data = ws.recv()
            except websocket.WebSocketTimeoutException:
                continue
            except (OSError, websocket.WebSocketException) as exc:
                self.close()
                raise ConnectionClosed(f"websocket failed while idle: {exc}") from exc
            if isinstance(data, bytes) and data:
                count += 1
                self._absorb_stray(data)
        return count

    # -- the current page ----------------------------------------------------------------------

    def elements(self) -> list[tuple[tuple[int, ...], Element]]:
        """The page as last drawn (after fragment runs too), in delta-path order."""
        return [(path, delta.new_element) for path, delta in sorted(self._page.items())
                if delta.WhichOneof("type") == "new_element"]

    def widgets(self) -> list[Widget]:
        """The widgets on the page as last drawn."""
        return [w for path, element in self.elements() if (w := as_widget(path, element))]

    def widget(self, label: str, kind: str | None = None) -> Widget:
        """The widget with this label on the current page (see `find_widget`)."""
        return find_widget(self.widgets(), label, kind)

    def text(self) -> str:
        """The texts of the current page, joined by newlines."""
        return "\n".join(t for _, element in self.elements() if (t := element_text(element)))

    @property
    def cache_size(self) -> int:
        """How many forward messages the client holds for the server to reference."""
        return len(self._cache)

    # -- protocol ------------------------------------------------------------------------------

    def _require(self) -> websocket.WebSocket:
        if self._ws is None:
            raise ConnectionClosed("not connected: call open() first")
        return self._ws

    def _client_state(self, page_script_hash: str, page_name: str) -> ClientState:
        state = ClientState(query_string=self.query_string, page_script_hash=page_script_hash,
                            page_name=page_name)
        state.widget_states.widgets.extend(self._states.values())
        state.cached_message_hashes.extend(self._cache)
        info = state.context_info
        info.timezone = self.timezone
        info.timezone_offset = 0
        info.locale = self.locale
        if not page_name and page_script_hash:
            current = self.find_page(page_script_hash)
            page_name = current.url_pathname if current is not None else ""
        info.url = f"{self.base_url}/{page_name}"  # the address bar, as st.context.url reads it
        info.is_embedded = False
        info.color_scheme = "light"
        return state

    def _drain(self) -> None:
        """Take whatever already arrived (a late message of an earlier run) before a new request."""
        ws = self._require()
        ws.settimeout(0.0001)
        for _ in range(10_000):
            try:
                data = ws.recv()
            except websocket.WebSocketTimeoutException:
                return
            except (OSError, websocket.WebSocketException) as exc:
                self.close()
                raise ConnectionClosed(f"websocket failed: {exc}") from exc
            if isinstance(data, bytes) and data:
                self._absorb_stray(data)

    def _absorb_stray(self, data: bytes) -> None:
        msg = ForwardMsg()
        msg.ParseFromString(data)
        kind = msg.WhichOneof("type")
        if kind == "delta" and msg.metadata.cacheable and msg.hash:
            self._remember(msg)
        elif kind == "navigation":
            self._on_navigation(msg)

    def _run(self, *, page_script_hash: str, page_name: str, timeout: float | None = None,
             ) -> RunResult:
        ws = self._require()
        self._drain()
        request = BackMsg()
        request.rerun_script.CopyFrom(self._client_state(page_script_hash, page_name))
        # Triggers are one-shot: the browser sends a press once, then forgets it.
        self._states = {k: v for k, v in self._states.items()
                        if v.WhichOneof("value") != "trigger_value"}
        start = time.monotonic()
        deadline = start + (self.timeout if timeout is None else timeout)
        try:
            ws.send_binary(request.SerializeToString())
        except (OSError, websocket.WebSocketException) as exc:
            self.close()
            raise ConnectionClosed(f"cannot send rerun: {exc}") from exc
        result = RunResult(latency_s=0.0, status="")
        fragment_run = False
        for _ in range(MAX_MESSAGES_PER_RUN):
            left = deadline - time.monotonic()
            if left <= 0:
                raise RunTimeout(f"script run did not finish within {deadline - start:.1f} s "
                                 f"({result.messages} messages received)")
            ws.settimeout(left)
            try:
                data = ws.recv()
            except websocket.WebSocketTimeoutException:
                continue
            except (OSError, websocket.WebSocketException) as exc:
                self.close()
                raise ConnectionClosed(f"websocket failed during a run: {exc}") from exc
            if not isinstance(data, bytes) or not data:
                continue
            result.messages += 1
            result.bytes_received += len(data)
            msg = ForwardMsg()
            msg.ParseFromString(data)
            kind = msg.WhichOneof("type")
            if kind == "new_session":
                fragment_run = False
                self._on_new_session(msg, result)
            elif kind in {"delta", "ref_hash"}:
                self._on_delta(msg, result, start)
                fragment_run = fragment_run or bool(result.deltas[-1][1].fragment_id)
            elif kind == "navigation":
                self._on_navigation(msg)
                result.page_script_hash = self.page_script_hash
            elif kind == "page_not_found":
                result.page_not_found = True
            elif kind == "session_event":
                if msg.session_event.WhichOneof("type") == "script_compilation_exception":
                    result.exceptions.append(msg.session_event.script_compilation_exception)
            elif kind == "script_finished":
                if msg.script_finished == _EARLY:
                    # st.rerun() in the script: another run follows; its deltas replace these.
                    result.deltas.clear()
                    result.exceptions.clear()
                    continue
                result.latency_s = time.monotonic() - start
                result.status = ForwardMsg.ScriptFinishedStatus.Name(msg.script_finished)
                self._finish(result, fragment=fragment_run or msg.script_finished == _FRAGMENT_DONE)
                self.last = result
                return result
        raise StreamlitClientError(f"a run sent more than {MAX_MESSAGES_PER_RUN} messages")

    def _on_new_session(self, msg: ForwardMsg, result: RunResult) -> None:
        new = msg.new_session
        if new.initialize.session_id:
            self.session_id = new.initialize.session_id
        if new.config.max_cached_message_age > 0:
            self._max_age = new.config.max_cached_message_age
        self.page_script_hash = new.page_script_hash
        self.main_script_hash = new.main_script_hash
        if new.app_pages:
            self.pages = list(new.app_pages)
        result.page_script_hash = new.page_script_hash
        # A run after st.rerun() redraws the page: keep only what this run sends.
        result.deltas.clear()
        result.exceptions.clear()

    def _on_navigation(self, msg: ForwardMsg) -> None:
        self.pages = list(msg.navigation.app_pages)
        if msg.navigation.page_script_hash:
            self.page_script_hash = msg.navigation.page_script_hash

    def _on_delta(self, msg: ForwardMsg, result: RunResult, start: float) -> None:
        if msg.WhichOneof("type") == "ref_hash":
            entry = self._cache.get(msg.ref_hash)
            if entry is None:
                raise StreamlitClientError(f"server referred to uncached message {msg.ref_hash}")
            entry.last_used_run = self._runs
            delta = entry.msg.delta
            result.refs += 1
        else:
            if msg.metadata.cacheable and msg.hash:
                self._remember(msg)
            delta = msg.delta
        if result.first_delta_s is None:
            result.first_delta_s = time.monotonic() - start
        path = tuple(msg.metadata.delta_path)  # a reference carries the position it is used at
        result.deltas.append((path, delta))
        if delta.WhichOneof("type") == "new_element" and delta.new_element.WhichOneof(
                "type") == "exception":
            result.exceptions.append(delta.new_element.exception)

    def _remember(self, msg: ForwardMsg) -> None:
        if msg.hash not in self._cache and len(self._cache) >= MAX_CACHE_ENTRIES:
            oldest = min(self._cache, key=lambda h: self._cache[h].last_used_run)
            del self._cache[oldest]
        stored = ForwardMsg()
        stored.CopyFrom(msg)
        stored.ClearField("metadata")
        self._cache[msg.hash] = _CacheEntry(stored, self._runs)

    def _finish(self, result: RunResult, *, fragment: bool) -> None:
        if fragment:
            for path, delta in result.deltas:
                self._page[path] = delta
            return
        self._page = dict(result.deltas)
        self._runs += 1
        self._cache = {h: e for h, e in self._cache.items()
                       if self._runs - e.last_used_run <= self._max_age}
        if result.status == "FINISHED_SUCCESSFULLY":
            # As the browser does: forget the values of widgets that are no longer on the page.
            present = {w.id for w in self.widgets()}
            self._states = {k: v for k, v in self._states.items() if k in present}
