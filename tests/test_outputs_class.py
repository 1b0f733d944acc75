"""core/outputs/settings.check_class_outputs: in a class, Live's outputs stay on the server's machine unless the
teacher's server settings (HANDTEACH_CLASS_OUTPUT_HOSTS, ui/server/settings.py) name another host."""

from __future__ import annotations

import pytest

from core.outputs.settings import OutputError, OutputSettings, check_class_outputs, on_this_machine
from ui.server.settings import load_settings


@pytest.mark.parametrize("host", ["127.0.0.1", "127.9.9.9", "localhost", "LOCALHOST.", "::1", "[::1]"])
def test_this_machine_is_allowed_without_any_setting(host: str) -> None:
    assert on_this_machine(host)
    settings = OutputSettings(osc=(host, 12000), ws_port=8765)
    assert check_class_outputs(settings, ()) is settings


@pytest.mark.parametrize("host", ["10.1.2.3", "192.168.1.20", "0.0.0.0", "sketch.example.org", "localhost.evil.example",
                                  "127.0.0.1.nip.io", "::"])  # fmt: skip
def test_another_machine_is_refused_in_one_line_naming_it(host: str) -> None:
    assert not on_this_machine(host)
    with pytest.raises(OutputError) as refused:
        check_class_outputs(OutputSettings(osc=(host, 12000)), ())
    assert str(refused.value).startswith(f"OSC host {host!r}: in a class, outputs go to this server's own machine")
    assert "\n" not in str(refused.value)
    with pytest.raises(OutputError, match="WebSocket host"):
        check_class_outputs(OutputSettings(ws_port=8765, ws_host=host), ())


def test_the_teachers_server_settings_allow_named_hosts_or_all() -> None:
    allowed = load_settings({"HANDTEACH_CLASS_OUTPUT_HOSTS": " 192.168.1.20 , Sketch.Example.org,"}, False)
    assert allowed.class_output_hosts == ("192.168.1.20", "Sketch.Example.org")
    check_class_outputs(OutputSettings(osc=("192.168.1.20", 12000)), allowed.class_output_hosts)
    check_class_outputs(OutputSettings(osc=("sketch.example.org", 12000)), allowed.class_output_hosts)
    with pytest.raises(OutputError, match="'192.168.1.21'"):
        check_class_outputs(OutputSettings(osc=("192.168.1.21", 12000)), allowed.class_output_hosts)
    check_class_outputs(OutputSettings(osc=("10.9.9.9", 12000)), ("*",))
    assert load_settings({}, False).class_output_hosts == ()
