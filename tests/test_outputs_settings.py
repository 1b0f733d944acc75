"""core.outputs.settings: targets and ports people type are checked once, with messages naming the value."""

from __future__ import annotations

import pytest

from core.outputs.origins import app_origin, parse_origins
from core.outputs.settings import OutputError, OutputSettings, check_port, parse_origin, parse_target


def test_parse_target_reads_host_and_port() -> None:
    assert parse_target("127.0.0.1:12000") == ("127.0.0.1", 12000)
    assert parse_target(" localhost:9000 ") == ("localhost", 9000)
    assert parse_target("[::1]:57120") == ("::1", 57120)


@pytest.mark.parametrize("text", ["12000", "localhost:", ":12000", "host:port", "host:-1", "host:70000"])
def test_parse_target_refuses_what_is_not_host_colon_port(text: str) -> None:
    with pytest.raises(OutputError, match="OSC") as caught:
        parse_target(text)
    assert repr(text) in str(caught.value) or "port" in str(caught.value)


@pytest.mark.parametrize("port", [0, 65536, -5, 1.5, "80", True])
def test_check_port_names_the_port_and_the_range(port: object) -> None:
    with pytest.raises(OutputError, match=r"WebSocket port .*from 1 to 65535"):
        check_port(port, "WebSocket")  # type: ignore[arg-type]
    assert check_port(0, "WebSocket", allow_any=True) == 0


def test_settings_check_their_values() -> None:
    with pytest.raises(OutputError, match="OSC host: empty"):
        OutputSettings(osc=(" ", 9000))
    with pytest.raises(OutputError, match="OSC port 0"):
        OutputSettings(osc=("127.0.0.1", 0))
    with pytest.raises(OutputError, match="capacity 0"):
        OutputSettings(ws_port=8765, capacity=0)
    assert not OutputSettings().enabled
    assert OutputSettings(ws_port=8765).ws_host == "127.0.0.1"  # this machine only unless told otherwise


def test_same_transport_ignores_what_is_sent_but_not_where() -> None:
    base = OutputSettings(osc=("127.0.0.1", 9000), ws_port=8765)
    assert base.same_transport(OutputSettings(osc=("127.0.0.1", 9000), ws_port=8765, every_frame=True, keypoints=True))
    assert not base.same_transport(OutputSettings(osc=("127.0.0.1", 9001), ws_port=8765))
    assert not base.same_transport(OutputSettings(osc=("127.0.0.1", 9000), ws_port=8766))
    assert base.describe() == "OSC → 127.0.0.1:9000 · WebSocket ws://127.0.0.1:8765 · on change"


def test_origins_are_read_as_a_browser_sends_them() -> None:
    assert parse_origin(" HTTPS://Sketch.Example.org/ ") == "https://sketch.example.org"
    assert parse_origin("http://192.168.1.20:8000") == "http://192.168.1.20:8000"
    assert (parse_origin("*"), parse_origin("null")) == ("*", "null")
    assert parse_origins("https://a.org, http://b.org:8000  *") == ("https://a.org", "http://b.org:8000", "*")
    assert parse_origins("  ") == ()
    assert app_origin("https://teach.example.org:8501/live") == "https://teach.example.org:8501"
    assert app_origin("") is None


@pytest.mark.parametrize("text", ["https://a.org/page", "sketch.example.org", "https://", "", "https://a.org?x=1"])
def test_an_origin_with_a_path_or_without_a_scheme_is_refused(text: str) -> None:
    with pytest.raises(OutputError, match=r"WebSocket origin .*SCHEME://HOST\[:PORT\]"):
        parse_origin(text)


def test_settings_keep_their_origins_and_a_new_list_reopens_the_server() -> None:
    base = OutputSettings(ws_port=8765, ws_origins=("HTTPS://A.org/", "https://a.org"))
    assert base.ws_origins == ("https://a.org",)  # checked, lower case, once
    assert not base.same_transport(OutputSettings(ws_port=8765))  # a page no longer allowed must not stay
    assert base.same_transport(OutputSettings(ws_port=8765, ws_origins=("https://a.org",), every_frame=True))
    assert base.describe() == "WebSocket ws://127.0.0.1:8765 · also pages of https://a.org · on change"
    assert "any web page" in OutputSettings(ws_port=8765, ws_origins=("*",)).describe()
    with pytest.raises(OutputError, match="WebSocket origin 'https://a.org/x'"):
        OutputSettings(ws_port=8765, ws_origins=("https://a.org/x",))
