"""Body-pose projects on the pages (``streamlit.testing.v1.AppTest``): Home creates one, Record, Train and Live adapt.

The webcam, recording and the 3D view on a live stream are covered by the real browser in
``tests/test_e2e_browser.py``; this file checks the pages' own choices for a body project.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import finish_file_jobs
from streamlit.testing.v1 import AppTest
from test_app_pages import PAGES, app, texts

from core.data.store import Store

pytestmark = pytest.mark.slow  # Streamlit runs every page


def _submit(at: AppTest, label: str) -> None:
    [b for b in at.get("button") if getattr(b, "label", None) == label][0].click()
    at.run()
    assert not at.exception, [e.message for e in at.exception]


def _body_project(store: Store, name: str = "yoga") -> AppTest:
    """The Home page after creating the body project ``name`` through its form."""
    at = app()
    at.text_input(key="new_project_name").input(name)
    at.radio(key="new_project_skeleton").set_value("body")
    _submit(at, "Create project")
    assert store.project_skeleton(name).name == "body" and store.list_classes(name) == []
    return at


def _go(at: AppTest, page: str, more: bool = False) -> AppTest:
    """``at`` on ``page``; ``more``: with its *More* switch on (the expert choices, ``ui.common.more``)."""
    at.switch_page(PAGES[page])
    if more:
        at.session_state[f"{page}_more"] = True
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def test_home_creates_a_body_project_and_refuses_the_cpm_for_it(data_dir: Path) -> None:
    store = Store(data_dir)
    at = _body_project(store)
    assert "body-pose project 'yoga'" in texts(at) and "MediaPipe" not in texts(at)  # the network's name: behind More
    at.toggle(key="home_more").set_value(True).run()
    assert "Body poses: MediaPipe Pose" in texts(at)
    at.text_input(key="new_project_name").input("yoga cpm")
    at.radio(key="new_project_skeleton").set_value("body")
    at.radio(key="new_project_backend").set_value("cpm")
    _submit(at, "Create project")
    assert at.error and "the CPM is a hand model" in at.error[0].value
    assert "yoga cpm" not in store.list_projects()


def test_record_on_a_body_project_without_poses_asks_for_one(data_dir: Path) -> None:
    store = Store(data_dir)
    at = _go(_body_project(store), "record")
    assert "No gestures or poses yet" in texts(at)
    at.text_input(key="new_class_name").input("tree")
    _submit(at, "Add gesture")
    assert [c.name for c in store.list_classes("yoga")] == ["tree"]
    assert at.radio(key="record_class").value == "tree"
    assert at.radio(key="record_hands").disabled and at.slider(key="record_min_score").disabled  # hand-only settings


def test_train_says_body_poses_have_no_starter_and_hides_hand_only_parts(data_dir: Path) -> None:
    at = _go(_body_project(Store(data_dir)), "train", more=True)  # the downloads and fine-tuning: behind More
    assert "Body poses have no starter examples" in texts(at)
    assert not [t for t in at.toggle if t.key == "train_starter"]
    kinivi = [b for b in at.get("download_button") if "kinivi" in b.proto.label]
    assert kinivi and kinivi[0].proto.disabled
    assert "Teach the keypoint model" not in texts(at)  # the CPM fine-tuning panel is for hands
    hand = _go(app(), "train")  # the default hand project keeps the starter switch
    assert [t for t in hand.toggle if t.key == "train_starter"]


def test_live_on_a_body_project_offers_the_3d_view_and_no_cpm(data_dir: Path) -> None:
    at = _go(_body_project(Store(data_dir)), "live", more=True)  # the CPM panel: behind More
    keys = {t.key for t in at.toggle}
    assert "live_3d" in keys and "live_cpm_stream" not in keys
    assert "body skeleton" in texts(at)
    hand = _go(app(), "live", more=True)
    assert {"live_3d", "live_cpm_stream"} <= {t.key for t in hand.toggle}


def test_the_3d_panel_draws_the_first_keypoints_with_depth(data_dir: Path) -> None:
    from core.skeletons import BODY_33
    from core.types import Keypoints

    def panel(keypoints) -> None:  # noqa: ANN001 - AppTest runs the source alone, without this file's imports
        from ui.common.view3d import view3d_panel

        view3d_panel(keypoints, "panel")

    world = np.random.default_rng(0).normal(0, 0.3, (33, 3)).astype(np.float32)
    person = Keypoints(np.zeros((33, 2), np.float32), np.zeros((33, 3), np.float32), world, "Unknown", 0.9,
                       (640, 480), BODY_33, np.ones(33, np.float32))  # fmt: skip
    at = AppTest.from_function(panel, kwargs={"keypoints": [person]})
    at.run()
    assert not at.exception
    (chart,) = at.get("plotly_chart")
    assert '"uirevision":"body"' in chart.proto.spec.replace(" ", "")
    assert "3D view of the person" in texts(at)
    empty = AppTest.from_function(panel, kwargs={"keypoints": []})
    empty.run()
    assert not empty.get("plotly_chart") and "no keypoints with depth" in texts(empty)


def test_the_gallery_shows_a_selected_body_sample_in_3d(data_dir: Path) -> None:
    from conftest import SHARED_DATA

    from core.data.imports.extract import extract_to_store

    photo = SHARED_DATA / "body" / "yoga8" / "images" / "tree" / "tree_001.jpg"
    if not photo.exists():
        pytest.skip(f"{photo} not found (expected ../shared/data beside the checkout)")
    store = Store(data_dir)
    at = _body_project(store)
    store.add_class("yoga", "tree")
    assert extract_to_store(store, "yoga", "tree", [photo]).stored == 1
    at = _go(at, "record")
    (sample,) = store.list_samples("yoga", "tree")
    assert not [t for t in at.toggle if t.key == "gallery_tree_3d"]  # nothing selected: no 3D view offered
    at.checkbox(key=f"gallery_tree_sel_{sample.id}").check()
    at.run()
    at.toggle(key="gallery_tree_3d").set_value(True)
    at.run()
    assert not at.exception
    (chart,) = at.get("plotly_chart")
    assert '"uirevision":"body"' in chart.proto.spec.replace(" ", "") and "3D view of the person" in texts(at)


def test_live_labels_each_person_of_an_uploaded_photo(data_dir: Path) -> None:
    """A trained body project on Live's file path: two real people side by side, a label for each."""
    import cv2
    from conftest import SHARED_DATA

    from core.data.imports.extract import extract_to_store
    from core.data.project import train_project
    from core.gestures.training import TrainConfig
    from core.io.video import read_image

    yoga = SHARED_DATA / "body" / "yoga8" / "images"
    if not yoga.exists():
        pytest.skip(f"{yoga} not found (expected ../shared/data beside the checkout)")
    store = Store(data_dir)
    at = _body_project(store)
    photos = {pose: sorted((yoga / pose).glob("*.jpg")) for pose in ("tree", "warrior2")}
    for pose, paths in photos.items():
        store.add_class("yoga", pose)
        extract_to_store(store, "yoga", pose, paths[:10])
    train_project(store, "yoga", TrainConfig(epochs=150, seed=0))
    tree, warrior = (read_image(photos[pose][-1]) for pose in ("tree", "warrior2"))  # photos it never saw
    tree, warrior = (cv2.resize(im, (round(im.shape[1] * 400 / im.shape[0]), 400)) for im in (tree, warrior))
    ok, encoded = cv2.imencode(".png", cv2.cvtColor(np.concatenate([tree, warrior], axis=1), cv2.COLOR_RGB2BGR))
    assert ok
    at = _go(at, "live")
    at.segmented_control(key="live_source").set_value("🖼 Image or video file")
    at.run()
    at.get("file_uploader")[0].set_value(("two.png", encoded.tobytes(), "image/png"))
    at.run()
    [b for b in at.button if b.label.startswith("▶ Recognise")][0].click()
    at.run()
    finish_file_jobs(at)
    assert not at.exception and not at.error
    assert at.get("image") and "1 frame(s)" in texts(at)
    (table,) = at.dataframe
    assert table.value["hand"].tolist() == ["person", "person"]
    assert sorted(table.value["gesture"].tolist()) == ["tree", "warrior2"]
