"""End to end in a real browser: a new project, record two gestures through the webcam, train, recognise live.

A second test does the same for a body project: a fake camera showing a real person in the tree
pose (a shared yoga photo), one pose recorded from it, a second uploaded, train, and Live names the
pose and shows the 3D view.

Headless Debian Chromium streams a y4m of a real hand video as its fake camera to the app
started as ``make run`` starts it (``python -m ui.server.serve``) over WebRTC (no STUN, loopback
only). On the way it checks what a first-time user hits:

* the project chosen on Home survives a reload (it lives in the URL);
* Record is disabled while a take runs, so a second press cannot drop the take;
* adding a gesture while the webcam streams keeps the stream running;
* the server log has no ASGI error and no traceback;
* every page's words outside its "Details for the curious" panel are plain (no file path, no stage name:
  ``test_app_words.BANNED``), and Live's card says what the video draws;
* photos uploaded on Record join the webcam's samples; Live's *Teach it here* adds a take and retrains; then
  the ONNX model (as retrained) and the project file download and open.

``make pictures`` runs it with ``HANDTEACH_PICTURES=docs/images``: the Live screenshot becomes the README's picture.

The video is ``../shared/data/hands/video/asl_hand.25fps.mp4`` unless
``HANDTEACH_E2E_VIDEO`` names another (any shape: it is fitted inside 640×480). A video
with too few frames where MediaPipe finds a usable hand fails at once, saying how many.
Screenshots of every page at 1280×720 (a common laptop) land in ``test-output/e2e/`` (git-ignored). Skips with
the reason when chromium, ffmpeg, playwright or the video are missing.
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import pytest
from browsermaker import (
    card_number_follows_the_hand,
    card_says_what_the_video_draws,
    console_watch,
    create_project,
    more_on,
    plain_words,
    served_app,
)
from conftest import fake_camera_or_skip, hagrid_photos
from test_browser_train import assert_matrix_is_the_headline

from bench.common.browser import WEBRTC_IFRAME, browser_page, start_webcam, wait_app_ready
from bench.common.fake_camera import DEFAULT_VIDEO, ROOT, usable_frames
from core.gestures.catalog import shown_name

pytestmark = pytest.mark.slow

OUTPUT = ROOT / "test-output" / "e2e"
CLASSES = ("thumbs_up", "open_palm")
PROJECT = "e2e hands"
_TAKES: list[str] = []  # the gestures of the takes recorded so far on the Record page's stream
MIN_USABLE_SHARE = 0.25  # a 3 s take at 5 samples/s then gives about 4 samples; three takes reach 5
PICTURES = os.environ.get("HANDTEACH_PICTURES")  # a folder: `make pictures` keeps Live's screenshot for the docs


@pytest.fixture(scope="module")
def camera_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    video = Path(os.environ.get("HANDTEACH_E2E_VIDEO", DEFAULT_VIDEO))
    y4m = fake_camera_or_skip(
        video, tmp_path_factory.getbasetemp() / "y4m-cache", "set HANDTEACH_E2E_VIDEO or add ../shared/data"
    )
    found, looked = usable_frames(y4m)
    if found < MIN_USABLE_SHARE * looked:
        pytest.fail(
            f"{video}: only {found} of {looked} frames had a hand MediaPipe finds with confidence >= 0.5 "
            f"(needs {MIN_USABLE_SHARE:.0%}): too few to record samples from; use a video with a hand in view"
        )
    return y4m


def _shot(page, name: str) -> None:  # noqa: ANN001 - playwright Page
    """``name.png``: the 1280×800 window as the user sees it; ``name-full.png``: the whole page, same width.

    Streamlit scrolls inside its main block, so a "full page" screenshot is only the window:
    the window is made as tall as the content for the second one, then put back.
    """
    OUTPUT.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(OUTPUT / f"{name}.png"))
    size = page.viewport_size
    height = page.evaluate(
        "() => { const m = document.querySelector('[data-testid=\"stMain\"]'); return m ? m.scrollHeight : 0; }"
    )
    if size and height > size["height"]:
        page.set_viewport_size({"width": size["width"], "height": min(int(height), 6000)})
        time.sleep(0.5)  # let the layout settle at the new height
        page.screenshot(path=str(OUTPUT / f"{name}-full.png"))
        page.set_viewport_size(size)


def _overflowing(page) -> list[str]:  # noqa: ANN001
    """Elements of the main area that stick out past the right edge of the window (cut off)."""
    return page.evaluate(
        """() => { const width = document.documentElement.clientWidth; const out = [];
        for (const el of document.querySelectorAll('[data-testid="stMain"] [data-testid]')) {
          const r = el.getBoundingClientRect(); if (r.width > 0 && r.right > width + 1)
            out.push(`${el.dataset.testid} right=${Math.round(r.right)}`); }
        return out.slice(0, 10); }"""
    )


def _video_time(page) -> float:  # noqa: ANN001
    """currentTime of the video the server sends back (0 when there is none)."""
    return page.evaluate(
        """sel => { const f = document.querySelector(sel); const v = f && f.contentDocument &&
               f.contentDocument.querySelector('video'); return v ? v.currentTime : 0; }""",
        WEBRTC_IFRAME,
    )


def _assert_streaming(page, when: str) -> None:  # noqa: ANN001
    frame = page.frame_locator(WEBRTC_IFRAME).first
    assert frame.get_by_role("button", name="STOP").is_visible(), f"the webcam stopped {when}: START shows again"
    before = _video_time(page)
    time.sleep(1.5)
    assert _video_time(page) > before + 0.5, f"the video stands still {when} ({before:.1f} s)"


def _take_summary(page) -> str:  # noqa: ANN001
    return page.locator(".st-key-record_status").inner_text().replace("\n", " ")


def _record_once(page, class_name: str, check_disabled: bool = False) -> int:  # noqa: ANN001
    from playwright.sync_api import expect

    button = page.get_by_role("button", name=re.compile(f"Record .*{shown_name(class_name)}"))
    status = page.locator(".st-key-record_status")
    _TAKES.append(class_name)  # takes are numbered within the stream session, across gestures
    this_take = f"Take {len(_TAKES)}"
    expect(button).to_be_enabled(timeout=30_000)  # re-queried: reruns replace the element
    button.click()
    status.get_by_text(re.compile(f"^{this_take} ")).wait_for(timeout=30_000)
    if check_disabled:  # pressing Record again during the take: the button does not take it
        expect(button).to_be_disabled(timeout=5_000)
        assert not button.is_enabled(), "Record is enabled during the countdown"
    try:
        status.get_by_text(re.compile(f"Stored \\d+ samples of .*{shown_name(class_name)}")).wait_for(timeout=60_000)
    except Exception as error:
        raise AssertionError(f"{this_take} of {class_name} never finished: {_take_summary(page)}") from error
    summary = _take_summary(page)
    assert this_take in summary and "restarted" not in summary, summary
    return int(re.search(r"Stored (\d+) samples", summary).group(1))


def _record(page, class_name: str, wanted: int = 5, attempts: int = 3, check_disabled: bool = False) -> int:  # noqa: ANN001
    """Pick ``class_name`` on the Record page and record until it has ``wanted`` samples (as a user would)."""
    page.locator('[data-testid="stRadio"] label').filter(has_text=shown_name(class_name)).click()
    stored, takes = 0, []
    for attempt in range(attempts):
        stored += _record_once(page, class_name, check_disabled and attempt == 0)
        takes.append(_take_summary(page))
        if stored >= wanted:
            break
        time.sleep(1.0)  # a starved machine delivered too few frames: record again
    assert stored >= wanted, f"only {stored} samples of {class_name} from {len(takes)} takes: {takes}"
    counted = page.locator(".st-key-record_counts").get_by_text(re.compile(f"{shown_name(class_name)} [1-9]"))
    counted.wait_for(timeout=30_000)  # the page reran and counts the new samples
    return stored


def _open_add_gesture(page) -> None:  # noqa: ANN001
    """Open Record's *Add a gesture* unless it is open (it stays open after the first pose of a body project)."""
    if not page.get_by_label("Name").is_visible():
        page.get_by_text("➕ Add a gesture").click()


def _add_gesture_while_streaming(page, name: str) -> None:  # noqa: ANN001
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    wait_app_ready(page)  # a rerun still running when the form is submitted can swallow the submit
    _open_add_gesture(page)
    page.get_by_label("Name").fill(name)
    page.get_by_role("button", name="Add gesture").click()
    added = page.get_by_text(f"Added {name}. Record a few seconds of it now.")
    try:
        added.wait_for(timeout=20_000)
    except PlaywrightTimeout:  # the submit landed in a rerun (seen once in CI): submit it once more, as a user would
        wait_app_ready(page)
        if page.get_by_label("Name").input_value() == name:  # still typed in: not added yet
            page.get_by_role("button", name="Add gesture").click()
        added.wait_for(timeout=30_000)
    wait_app_ready(page)
    _assert_streaming(page, "after a gesture was added")
    from playwright.sync_api import expect

    expect(page.get_by_role("button", name=re.compile(f"Record {name}"))).to_be_enabled(timeout=10_000)


def _on_project(page, when: str) -> None:  # noqa: ANN001
    caption = page.locator('[data-testid="stCaptionContainer"]').filter(has_text="· project").first
    text = caption.inner_text()
    assert f"project {PROJECT}" in text, f"{when}: the page works on another project ({text!r})"


def _picture(page, name: str) -> None:  # noqa: ANN001
    """``$HANDTEACH_PICTURES/name.png``: the window at half size, 256 colours (a small file for the docs)."""
    if not PICTURES:
        return
    from io import BytesIO

    from PIL import Image

    image = Image.open(BytesIO(page.screenshot())).convert("RGB")
    image = image.resize((image.width // 2, image.height // 2), Image.LANCZOS).quantize(256)
    Path(PICTURES).mkdir(parents=True, exist_ok=True)
    image.save(Path(PICTURES) / f"{name}.png", optimize=True)


def _upload_photos(page, class_name: str, photos: list[Path]) -> None:  # noqa: ANN001
    page.locator('[data-testid="stRadio"] label').filter(has_text=shown_name(class_name)).click()
    wait_app_ready(page)
    page.get_by_text("Upload files", exact=False).first.click()
    wait_app_ready(page)
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files([str(p) for p in photos])
    page.get_by_role("button", name=re.compile(f"Add to .*{shown_name(class_name)}")).click()
    page.get_by_text(re.compile(f"Added \\d+ samples of .*{shown_name(class_name)}")).wait_for(timeout=90_000)


def _download(page, button: str) -> bytes:  # noqa: ANN001
    with page.expect_download(timeout=60_000) as info:
        page.get_by_role("button", name=button).click()
    return Path(info.value.path()).read_bytes()


def _onnx_decides_unknown_as_the_app(data: bytes) -> None:
    import onnxruntime as ort

    session = ort.InferenceSession(data, providers=["CPUExecutionProvider"])
    outputs = {o.name for o in session.get_outputs()}
    assert {"probabilities", "known"} <= outputs, f"the downloaded ONNX lacks the app's decision: {outputs}"


def _project_file_opens(data: bytes, folder: Path) -> None:
    from core.data.bundles.bundle_import import import_project
    from core.data.store import Store

    path = folder / "download.handteach"
    path.write_bytes(data)
    store = Store(folder / "opened" / "handteach.db")
    import_project(store, path)
    assert sum(store.class_counts(PROJECT).values()) > 0, "the downloaded project file holds no samples"


def _video_time(page) -> float:  # noqa: ANN001
    return float(page.evaluate("""sel => { const f = document.querySelector(sel);
        const v = f && f.contentDocument && f.contentDocument.querySelector('video'); return v ? v.currentTime : -1; }""",
        WEBRTC_IFRAME))  # fmt: skip


def _press_teach(page, record) -> None:  # noqa: ANN001
    """Open the panel and press its button until the take begins ("Get ready to show…"), as a user would press
    again: a rerun that lands as the panel opens draws it collapsed. (While the panel redrew itself twice a second
    even when idle, its button was 'not stable, detached from the DOM' for 30 s at a time: 3 runs of 3 failed here
    before ui/live/live_fix.py polled only while a take or its training runs.)"""
    begun = page.get_by_text(re.compile("Get ready to show|Recording .* keep it in view"))
    for _ in range(3):
        if not record.is_visible():
            page.get_by_text("A wrong answer? Teach it here").click()
            try:
                record.wait_for(timeout=5_000)
            except Exception:  # noqa: BLE001 - still collapsed: open it again
                wait_app_ready(page)
                continue
        record.click()
        try:
            begun.first.wait_for(timeout=10_000)
            return
        except Exception:  # noqa: BLE001 - no take began: press again
            wait_app_ready(page)
    raise AssertionError("Teach it here's take never began after three presses")


def _teach_it_here(page) -> None:  # noqa: ANN001
    """Live's Teach it here: a take on Live's own stream joins the samples, the project trains again, and the
    webcam streams on with the new model (the panel stays open meanwhile)."""
    record = page.get_by_role("button", name=re.compile(r"Show .* for 3 s, then retrain"))
    done = page.get_by_text(re.compile(r"Added \d+ samples of .* and retrained in [0-9.]+ s"))
    for _ in range(3):  # a take of the shared video may hold too few usable hands: show it again
        _press_teach(page, record)
        said = page.get_by_text(re.compile(r"Added \d+ samples|No usable hand|These look like"))
        said.first.wait_for(timeout=60_000)
        keep = page.get_by_role("button", name=re.compile(r"^Keep as "))
        if keep.count():  # the take looked like another gesture to the model (issue 64): keep it as chosen
            keep.first.click()
            page.get_by_text(re.compile(r"Added \d+ samples|No usable hand")).first.wait_for(timeout=60_000)
        try:
            done.wait_for(timeout=60_000)
            break
        except Exception:  # noqa: BLE001 - too few samples: record again
            continue
    done.wait_for(timeout=1_000)
    time.sleep(2.0)  # the page's rerun with the new model has settled
    assert page.frame_locator(WEBRTC_IFRAME).first.get_by_role("button", name="STOP").is_visible(), "it stopped"
    played = _video_time(page)
    time.sleep(1.5)
    assert _video_time(page) > played + 0.5, "the webcam's video stands still after the retrain"


def _live_number_follows_the_hand(page) -> None:  # noqa: ANN001
    """Issue 52: Live's number follows a hand whose confidence changes while its label stays (the card froze at
    the number of the label's first moment on the browser path), and the card still says what the video draws."""
    card_number_follows_the_hand(page)
    card_says_what_the_video_draws(page)


def test_record_train_recognise_in_browser(camera_file: Path, tmp_path: Path) -> None:
    started = time.monotonic()
    stored: dict[str, int] = {}
    _TAKES.clear()
    with (
        browser_page(camera_file, width=1280, height=720) as page,
        served_app(tmp_path, lambda: _shot(page, "failure")) as server,
    ):
        console = console_watch(page)  # issue 52: no warning repeated in a page load (checked at the end)
        page.goto(server.url)
        wait_app_ready(page)
        query = create_project(page, PROJECT, f"Created project '{PROJECT}'")
        _shot(page, "1-home")
        assert not _overflowing(page), _overflowing(page)
        plain_words(page, "Home")

        page.goto(f"{server.url}/record?{query}")  # a new session: only the URL knows the project
        wait_app_ready(page)
        _on_project(page, "Record opened with the project's URL")
        console.reloading()
        page.reload()
        wait_app_ready(page)
        _on_project(page, "after a reload")

        start_webcam(page)
        stored[CLASSES[0]] = _record(page, CLASSES[0], check_disabled=True)
        _add_gesture_while_streaming(page, "wave")
        stored[CLASSES[1]] = _record(page, CLASSES[1])
        _shot(page, "2-record")
        assert not _overflowing(page), _overflowing(page)
        plain_words(page, "Record")
        _upload_photos(page, CLASSES[0], hagrid_photos("like", 4))

        page.goto(f"{server.url}/train?{query}")
        wait_app_ready(page)
        _on_project(page, "Train")
        page.get_by_role("button", name=re.compile("Start training")).click()
        page.get_by_text("Trained and saved").wait_for(timeout=90_000)
        # issue 52 item 1: the confusion matrix as drawn counts exactly the headline's samples (waits for it)
        assert_matrix_is_the_headline(page, "the walkthrough's Train")
        page.locator(".st-key-train_metrics").get_by_text("Accuracy", exact=True).wait_for(timeout=30_000)
        _shot(page, "3-train")
        assert not _overflowing(page), _overflowing(page)
        plain_words(page, "Train")

        page.goto(f"{server.url}/live?{query}")
        wait_app_ready(page)
        start_webcam(page)
        labels = page.locator(".st-key-live_prediction")
        # as drawn on the video: the number only where the confidence decided (core.types.Prediction.short_text)
        answer = f"({'|'.join(map(shown_name, CLASSES))})(?: \\d+%|, like your examples|, closest sign)"  # "open palm"
        pattern = re.compile(f"Labels: .*{answer} \\((Left|Right)\\)")
        labels.get_by_text(pattern).wait_for(timeout=30_000)
        page.locator(".st-key-live_timings").get_by_text(re.compile(r"\d+ pictures a second")).wait_for(timeout=30_000)
        starter_note = page.get_by_text("from other people's hands: record your own")
        assert starter_note.count() == 0, "the trained model is in use"
        card_says_what_the_video_draws(page)
        _live_number_follows_the_hand(page)
        _shot(page, "4-live")
        _picture(page, "live")
        assert not _overflowing(page), _overflowing(page)
        plain_words(page, "Live")

        more_on(page)  # the CPM panel is behind Live's More
        page.get_by_text("🔬 CPM belief maps").click()
        caption = page.get_by_text(re.compile("^MULTI: where the CPM thinks the joints are after each of its steps"))
        caption.wait_for(timeout=30_000)
        sources = set()
        for _ in range(6):  # the panel follows the video: its image changes
            sources.add(page.locator('[data-testid="stImage"] img').last.get_attribute("src"))
            time.sleep(0.7)
        assert len(sources) >= 2, "the CPM panel did not update with the video"
        for _ in range(3):  # the panel reruns twice a second and may replace the caption mid-scroll
            try:
                caption.scroll_into_view_if_needed(timeout=5_000)
                break
            except Exception:  # noqa: BLE001 - detached: query it again
                time.sleep(0.3)
        _shot(page, "5-live-cpm")
        assert not _overflowing(page), _overflowing(page)
        page.get_by_text("🔬 CPM belief maps").click()  # off again: the take below runs on a lighter stream
        wait_app_ready(page)

        _teach_it_here(page)
        _shot(page, "6-live-teach-it-here")
        plain_words(page, "Live after Teach it here")

        page.goto(f"{server.url}/train?{query}")  # the model as retrained on Live
        wait_app_ready(page)
        more_on(page)  # the downloads are behind Train's More
        _onnx_decides_unknown_as_the_app(_download(page, "⬇ Model (ONNX)"))
        page.goto(f"{server.url}/?{query}")
        wait_app_ready(page)
        _project_file_opens(_download(page, "⬇ Download project"), tmp_path)
        console.assert_quiet()
    print(f"\nscreenshots in {OUTPUT}; {stored} samples; took {time.monotonic() - started:.0f} s")


# ---- a body project ---------------------------------------------------------------------------

BODY_PROJECT = "e2e body"
YOGA = Path(os.environ.get("HANDTEACH_SHARED", ROOT.parent / "shared" / "data")) / "body" / "yoga8" / "images"


@pytest.fixture(scope="module")
def person_camera(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fake camera showing a real person in the tree pose (a yoga8 photo held for 4 s, looped by Chromium)."""
    import subprocess

    photo = YOGA / "tree" / "tree_001.jpg"
    if not photo.exists():
        pytest.skip(f"yoga photo for the body fake camera not found: {photo} (add ../shared/data)")
    folder = tmp_path_factory.getbasetemp() / "body-camera"
    folder.mkdir(exist_ok=True)
    clip = folder / "tree_pose.mp4"
    if not clip.exists():
        subprocess.run(["ffmpeg", "-v", "error", "-y", "-loop", "1", "-i", str(photo), "-t", "4", "-r", "30",
                        "-vf", "scale=trunc(iw/2)*2:trunc(ih/2)*2", "-pix_fmt", "yuv420p", str(clip)],
                       check=True, capture_output=True)  # fmt: skip
    return fake_camera_or_skip(clip, folder / "y4m")


@pytest.mark.extended
def test_body_project_record_upload_train_and_3d_live_in_browser(person_camera: Path, tmp_path: Path) -> None:
    """Home creates a body project; one pose recorded from the webcam, one uploaded; Train; Live names it, in 3D."""
    started = time.monotonic()
    _TAKES.clear()
    warriors = sorted((YOGA / "warrior2").glob("*.jpg"))[:8]
    with (
        browser_page(person_camera, width=1280, height=800) as page,
        served_app(tmp_path, lambda: _shot(page, "body-failure")) as server,
    ):
        page.goto(server.url)
        wait_app_ready(page)
        query = create_project(page, BODY_PROJECT, f"Created the body-pose project '{BODY_PROJECT}'", "🧍 Body poses")

        page.goto(f"{server.url}/record?{query}")
        wait_app_ready(page)
        page.get_by_text("No gestures or poses yet").wait_for(timeout=30_000)
        _open_add_gesture(page)
        page.get_by_label("Name").fill("tree")
        page.get_by_role("button", name="Add gesture").click()
        page.get_by_text("Added tree.").wait_for(timeout=30_000)
        wait_app_ready(page)
        start_webcam(page)
        stored = _record(page, "tree")
        _add_gesture_while_streaming(page, "warrior2")
        _shot(page, "body-1-record")

        page.locator('[data-testid="stRadio"] label').filter(has_text="warrior2").click()
        wait_app_ready(page)
        page.get_by_text("Upload files", exact=True).click()
        wait_app_ready(page)
        page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files([str(p) for p in warriors])
        page.get_by_role("button", name=re.compile("Add to warrior2")).click()
        page.get_by_text(re.compile(r"Added [5-8] samples of warrior2")).wait_for(timeout=90_000)

        page.goto(f"{server.url}/train?{query}")
        wait_app_ready(page)
        page.get_by_text("Body poses have no starter examples").wait_for(timeout=30_000)
        page.get_by_role("button", name=re.compile("Start training")).click()
        page.get_by_text("Trained and saved").wait_for(timeout=90_000)
        _shot(page, "body-2-train")

        page.goto(f"{server.url}/live?{query}")
        wait_app_ready(page)
        start_webcam(page)
        labels = page.locator(".st-key-live_prediction")
        labels.get_by_text(re.compile(r"Labels: tree(?: \d+%|, like your examples|, closest sign)$")).wait_for(
            timeout=30_000
        )
        page.get_by_text("🧊 3D view").click()
        view = page.locator(".st-key-live_3d_view")
        view.locator('[data-testid="stPlotlyChart"]').wait_for(timeout=30_000)
        # Plotly.js took the figure (its 3D canvas needs WebGL, which headless Chromium without a GPU lacks)
        view.locator(".js-plotly-plot").wait_for(state="attached", timeout=30_000)
        view.get_by_text("3D view of the person in metres").wait_for(timeout=30_000)
        _assert_streaming(page, "with the 3D view on")
        _shot(page, "body-3-live-3d")
        assert not _overflowing(page), _overflowing(page)
    print(f"\nbody: {stored} tree samples from the webcam; took {time.monotonic() - started:.0f} s")
