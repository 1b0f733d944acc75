"""App settings from environment variables and ``.streamlit/secrets.toml``; no Streamlit widgets here.

| setting | env var | secrets | default |
| --- | --- | --- | --- |
| data directory | ``HANDTEACH_DATA`` | | ``data/user`` |
| ICE servers (STUN/TURN) | ``HANDTEACH_ICE_SERVERS`` (JSON list) | ``[webrtc] ice_servers`` | ``[]``: localhost only |
| timings file for ``bench/speed/webcam.py`` | ``HANDTEACH_TIMINGS_FILE`` | | none |
| MediaPipe model complexity (0 fast, 1 accurate) | ``HANDTEACH_MODEL_COMPLEXITY`` | | 1 |
| where a new browser session computes the keypoints (``browser`` where built, or ``server``) | ``HANDTEACH_KEYPOINTS`` | | ``browser`` |
| steady keypoints (One Euro filter) on the webcam | ``HANDTEACH_SMOOTHING`` (``on`` / ``off``) | | on |
| its cutoff at rest (Hz), speed gain, speed cutoff (Hz) | ``HANDTEACH_SMOOTHING_MIN_CUTOFF``, ``_BETA``, ``_D_CUTOFF`` | | ``core.keypoints.smoothing``'s |
| in a class, hosts besides this machine Live's outputs may send to (comma-separated, ``*``: any) | ``HANDTEACH_CLASS_OUTPUT_HOSTS`` | | none |
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.data.sql.schema import default_data_dir
from core.keypoints.smoothing import SmoothingConfig

VIDEO_CONSTRAINTS: dict[str, Any] = {
    "video": {"width": {"ideal": 640}, "height": {"ideal": 480}, "frameRate": {"ideal": 30}},
    "audio": False,
}
# Frames reach the server unmirrored; the server sends back the mirrored (selfie) view
# with readable text (ui.webcam.selfie.selfie_view), so the browser shows it as it is.
VIDEO_HTML_ATTRS: dict[str, Any] = {
    "autoPlay": True,
    "controls": False,
    "muted": True,
    "style": {"width": "100%", "borderRadius": "0.5rem"},
}


class SettingsError(ValueError):
    """A setting that cannot be used; the message names the variable and the problem."""


@dataclass(frozen=True)
class AppSettings:
    """Everything the app reads from its environment, once per server process."""

    data_dir: Path
    ice_servers: list[dict[str, Any]] = field(default_factory=list)  # [] → host candidates only (localhost, LAN)
    timings_file: Path | None = None  # written about once a second while a stream runs
    model_complexity: int = 1
    smoothing: SmoothingConfig = field(default_factory=SmoothingConfig)  # the webcam's keypoint filter
    keypoints_path: str = "browser"  # a new session's default: "browser" (where built) or "server"
    class_output_hosts: tuple[str, ...] = ()  # in a class, OSC hosts besides this machine (core.outputs.settings)

    @property
    def rtc_configuration(self) -> dict[str, Any]:
        """For ``webrtc_streamer(rtc_configuration=...)``; never left to streamlit-webrtc's network lookup."""
        return {"iceServers": [dict(s) for s in self.ice_servers]}


def parse_ice_servers(text: str, where: str) -> list[dict[str, Any]]:
    """A JSON list of RTCIceServer objects (``{"urls": ..., "username": ..., "credential": ...}``)."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SettingsError(f"{where} is not valid JSON: {exc}") from None
    return check_ice_servers(value, where)


def check_ice_servers(value: Any, where: str) -> list[dict[str, Any]]:
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(s, dict) and "urls" in s for s in value):
        raise SettingsError(f"{where} must be a list of objects with a 'urls' key, got {value!r}")
    return [dict(s) for s in value]


def _secrets_ice_servers() -> list[dict[str, Any]] | None:
    """``[webrtc] ice_servers`` from ``.streamlit/secrets.toml``, or None when absent."""
    try:
        import streamlit as st

        section = st.secrets.get("webrtc", None)
    except Exception:  # no secrets file, or not running under Streamlit
        return None
    if not section or "ice_servers" not in section:
        return None
    return check_ice_servers([dict(s) for s in section["ice_servers"]], "secrets [webrtc] ice_servers")


def load_settings(environ: dict[str, str] | None = None, use_secrets: bool = True) -> AppSettings:
    """Read the settings; raises ``SettingsError`` naming a bad variable."""
    env = os.environ if environ is None else environ
    ice: list[dict[str, Any]] = []
    if env.get("HANDTEACH_ICE_SERVERS", "").strip():
        ice = parse_ice_servers(env["HANDTEACH_ICE_SERVERS"], "HANDTEACH_ICE_SERVERS")
    elif use_secrets:
        ice = _secrets_ice_servers() or []
    complexity = env.get("HANDTEACH_MODEL_COMPLEXITY", "1").strip()
    if complexity not in {"0", "1"}:
        raise SettingsError(f"HANDTEACH_MODEL_COMPLEXITY must be 0 or 1, got {complexity!r}")
    smoothing = parse_smoothing(env)
    keypoints_path = env.get("HANDTEACH_KEYPOINTS", "browser").strip().lower()
    if keypoints_path not in {"browser", "server"}:
        raise SettingsError(f"HANDTEACH_KEYPOINTS must be browser or server, got {keypoints_path!r}")
    data = env.get("HANDTEACH_DATA")
    timings = env.get("HANDTEACH_TIMINGS_FILE", "").strip()
    return AppSettings(
        data_dir=Path(data) if data else default_data_dir(),
        ice_servers=ice,
        timings_file=Path(timings) if timings else None,
        model_complexity=int(complexity),
        smoothing=smoothing,
        keypoints_path=keypoints_path,
        class_output_hosts=tuple(
            h.strip() for h in env.get("HANDTEACH_CLASS_OUTPUT_HOSTS", "").split(",") if h.strip()
        ),
    )


_SMOOTHING_VARS = {"min_cutoff": "HANDTEACH_SMOOTHING_MIN_CUTOFF", "beta": "HANDTEACH_SMOOTHING_BETA",
                   "d_cutoff": "HANDTEACH_SMOOTHING_D_CUTOFF"}  # fmt: skip


def parse_smoothing(env: Any) -> SmoothingConfig:
    """The keypoint filter's settings: ``HANDTEACH_SMOOTHING`` on/off and its three numbers, each checked."""
    switch = env.get("HANDTEACH_SMOOTHING", "on").strip().lower()
    if switch not in {"on", "off", "1", "0", "true", "false"}:
        raise SettingsError(f"HANDTEACH_SMOOTHING must be on or off, got {switch!r}")
    values: dict[str, float] = {}
    for name, var in _SMOOTHING_VARS.items():
        text = env.get(var, "").strip()
        if not text:
            continue
        try:
            values[name] = float(text)
        except ValueError:
            raise SettingsError(f"{var} must be a number, got {text!r}") from None
        try:
            SmoothingConfig(**{name: values[name]})
        except ValueError as exc:
            raise SettingsError(f"{var}: {exc}") from None
    return SmoothingConfig(enabled=switch in {"on", "1", "true"}, **values)
