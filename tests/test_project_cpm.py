"""core.data.project_cpm and core.data.project_finetune on a real store of real photos, and the CLI command.

The samples are extracted with MediaPipe from HaGRID photos (``conftest.shared_path``), as the
Record page does. Keypoints mapped into the stored crops are checked three ways: the crop
recomputed from the photo has the same affine and pixels, the keypoint box sits in the crop's
central region as the crop margin says, and MediaPipe run on the crop finds the same joints.
"""

from __future__ import annotations

import dataclasses
import inspect
import json
import shutil
import threading
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch
from conftest import hagrid_photos, shared_path

from core.cli import main as cli
from core.cpm import checkpoint
from core.data.csv_files import csv_io
from core.data.imports.extract import extract_to_store
from core.data.project_cpm import (
    count_crops,
    crop_keypoints,
    has_finetuned,
    labelled_crops,
    project_checkpoint,
    project_cpm_dir,
    user_crops,
)
from core.data.project_finetune import finetune_project, reset_project_cpm
from core.data.store import Sample, Store
from core.io.crops import (
    THUMBNAIL_MARGIN,
    crop_transform,
    crop_with_transform,
    decode_jpeg,
    encode_jpeg,
    hand_crop,
    hand_crop_box,
    points_to_crop,
)
from core.io.video import read_image
from core.keypoints.landmarks import detect_hands

pytestmark = pytest.mark.slow  # MediaPipe extracts the samples

PER_CLASS = 6
# core.data.imports.extract.make_sample's crops
STORED_MARGIN = inspect.signature(hand_crop).parameters["margin"].default


def _photos(folder: str, n: int = PER_CLASS) -> list[Path]:
    return hagrid_photos(folder, n)


@pytest.fixture(scope="module")
def seeded_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data dir whose default project holds thumbs_up and open_palm samples from photos."""
    path = tmp_path_factory.mktemp("user_crops") / "data"
    store = Store(path)
    store.ensure_project()
    for class_name, folder in (("thumbs_up", "like"), ("open_palm", "palm")):
        report = extract_to_store(store, "default", class_name, _photos(folder))
        if report.stored < 4:
            pytest.skip(f"MediaPipe found only {report.stored} hands in the {folder} photos")
    return path


@pytest.fixture
def store(seeded_dir: Path, tmp_path: Path) -> Store:
    """A private copy of the seeded store (fine-tuning writes into the project)."""
    shutil.copytree(seeded_dir, tmp_path / "data")
    return Store(tmp_path / "data")


def _source(sample: Sample) -> Path:
    folder = {"thumbs_up": "like", "open_palm": "palm"}[sample.class_name]
    return shared_path("hagrid_380", "images", folder, sample.source_name)


def test_keypoints_use_the_transform_the_crop_was_made_with(store: Store) -> None:
    samples = store.list_samples("default", with_crops=True)
    assert len(samples) >= 8
    for sample in samples:
        stored = decode_jpeg(sample.crop_jpeg)
        side = stored.shape[0]
        remade = crop_with_transform(read_image(_source(sample)), sample.hand, size=side, margin=STORED_MARGIN)
        # the same crop: pixels equal up to JPEG noise, keypoints equal to those the crop's own affine gives
        assert np.abs(remade.image.astype(np.int16) - stored).mean() < 4.0, sample.source_name
        expected = (sample.hand.pixel @ remade.matrix[:, :2].T + remade.matrix[:, 2]).astype(np.float32)
        np.testing.assert_allclose(crop_keypoints(sample.hand, side), expected, atol=1e-3)


def test_keypoints_fill_the_central_region_of_the_crop(store: Store) -> None:
    crops = user_crops(store, "default")
    assert len(crops) == count_crops(store, "default").usable >= 8
    for rgb, points in crops:
        side = rgb.shape[0]
        assert rgb.shape == (side, side, 3) and rgb.dtype == np.uint8 and points.shape == (21, 2)
        assert side >= 128, f"stored crops of {side} px are smaller than the CPM's 128 px input"
        assert (points > 0).all() and (points < side).all()  # wrist and fingertips too
        lo, hi = points.min(axis=0), points.max(axis=0)
        np.testing.assert_allclose((lo + hi) / 2, [side / 2, side / 2], atol=1.0)  # centred
        assert abs((hi - lo).max() - side / (1 + 2 * STORED_MARGIN)) < 1.0  # margin on the longer side
        assert lo.min() > side * STORED_MARGIN / (1 + 2 * STORED_MARGIN) - 1.0  # nothing in the margin


def test_keypoints_land_on_the_joints_mediapipe_sees_in_the_crop(store: Store) -> None:
    errors = []
    for rgb, points in user_crops(store, "default"):
        pad = rgb.shape[0] // 2  # a border helps the palm detector with a tight crop
        hands = detect_hands(cv2.copyMakeBorder(rgb, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=0))
        if hands:
            size = float(np.ptp(points, axis=0).max())
            errors.append(np.linalg.norm(hands[0].pixel - pad - points, axis=1).mean() / size)
    assert len(errors) >= 6, f"MediaPipe found a hand in only {len(errors)} crops"
    assert np.median(errors) < 0.02 and max(errors) < 0.1, errors


def test_max_crops_spreads_over_classes(store: Store) -> None:
    by_keypoints = {}
    for sample in store.list_samples("default", with_crops=True):
        side = decode_jpeg(sample.crop_jpeg).shape[0]
        by_keypoints[crop_keypoints(sample.hand, side).tobytes()] = sample.class_name
    crops = user_crops(store, "default", max_crops=6)
    classes = [by_keypoints[points.tobytes()] for _, points in crops]
    assert len(classes) == 6 and classes.count("thumbs_up") == classes.count("open_palm") == 3
    with pytest.raises(ValueError, match="at least 5"):
        user_crops(store, "default", max_crops=4)


def test_csv_imports_are_skipped_and_a_cpm_sample_is_labelled_by_mediapipe(store: Store, tmp_path: Path) -> None:
    photo_crops = len(user_crops(store, "default"))
    csv_io.export_handteach(store, "default", tmp_path / "all.csv")
    imported = csv_io.import_handteach(store, "default", tmp_path / "all.csv").n_added
    sample = store.list_samples("default", with_crops=True)[0]
    cpm_sample = Sample(
        sample.hand, sample.class_name, "image", "cpm.jpg", None, crop_jpeg=sample.crop_jpeg, backend="cpm"
    )
    store.add_sample("default", cpm_sample)
    counts = count_crops(store, "default")  # reads no image: the CPM's sample counts, MediaPipe labels it later
    assert (counts.usable, counts.no_image, counts.relabelled, counts.no_hand) == (photo_crops + 1, imported, 1, 0)
    crops, labelled = labelled_crops(store, "default")
    assert len(crops) == labelled.usable == photo_crops + 1 and (labelled.relabelled, labelled.no_hand) == (1, 0)
    # its crop is there twice: once with the stored MediaPipe keypoints, once with MediaPipe's on the crop
    side = decode_jpeg(sample.crop_jpeg).shape[0]
    stored = crop_keypoints(sample.hand, side)
    twins = [points for rgb, points in crops if np.array_equal(rgb, decode_jpeg(sample.crop_jpeg))]
    assert len(twins) == 2 and any(np.array_equal(p, stored) for p in twins)
    taught = next(p for p in twins if not np.array_equal(p, stored))
    assert np.median(np.linalg.norm(taught - stored, axis=1)) < 4.0  # crop px of a 192 px crop


def test_too_few_crops_say_what_to_record(store: Store, tmp_path: Path) -> None:
    csv_io.export_handteach(store, "default", tmp_path / "all.csv")
    store.create_project("csv_only")
    csv_io.import_handteach(store, "csv_only", tmp_path / "all.csv")
    with pytest.raises(ValueError, match="record at least 5 webcam or photo samples first; CSV imports have no images"):
        user_crops(store, "csv_only")
    store.create_project("few")
    for sample in store.list_samples("default", with_crops=True)[:4]:
        store.add_sample("few", sample)
    with pytest.raises(ValueError, match="this project has 4"):
        user_crops(store, "few")
    with pytest.raises(ValueError, match="this project has 4"):
        finetune_project(store, "few", epochs=1)
    assert not project_cpm_dir(store, "few").exists()


def _leftovers(store: Store, project: str) -> list[str]:
    return sorted(p.name for p in store.project_dir(project).iterdir())


def test_finetune_saves_only_when_kept_and_reset_removes_it(store: Store) -> None:
    # The default rule (kept when PCK does not drop) is checked by test_cli_finetunes_reports_json_and_resets on the
    # same finetune_project; here the two forced outcomes, each a run of its own (10 s apiece on two busy cores).
    kept = finetune_project(store, "default", epochs=1, max_crops=10, min_gain=-1.0)  # keep whatever comes out
    assert kept.train_crops + kept.held_out_crops == 10 and kept.epochs == 1 and not kept.cancelled
    assert 0.0 <= kept.pck_before <= 1.0 and 0.0 <= kept.pck_after <= 1.0
    assert kept.saved and not kept.from_finetuned and has_finetuned(store, "default")
    assert _leftovers(store, "default") == ["cpm"]  # no temporary folder left behind
    assert project_checkpoint(store, "default") == project_cpm_dir(store, "default")
    tuned, default = checkpoint.load(project_cpm_dir(store, "default")), checkpoint.load(checkpoint.DEFAULT_DIR)
    changed = [k for k, v in tuned.state_dict().items() if not torch.equal(v, default.state_dict()[k])]
    assert changed, "the saved weights are the default ones"

    weights = (project_cpm_dir(store, "default") / checkpoint.WEIGHTS_FILE).read_bytes()
    refused = finetune_project(store, "default", epochs=1, max_crops=10, min_gain=2.0)  # PCK cannot gain 2
    assert refused.from_finetuned and not refused.saved
    assert (project_cpm_dir(store, "default") / checkpoint.WEIGHTS_FILE).read_bytes() == weights
    assert _leftovers(store, "default") == ["cpm"]

    assert reset_project_cpm(store, "default") is True
    assert not has_finetuned(store, "default") and _leftovers(store, "default") == []
    assert project_checkpoint(store, "default") == checkpoint.DEFAULT_DIR
    assert reset_project_cpm(store, "default") is False


def test_cancel_saves_nothing(store: Store) -> None:
    cancel = threading.Event()
    epochs_seen = []

    def stop_after_first(epoch: int, epochs: int, loss: float) -> None:
        epochs_seen.append(epoch)
        cancel.set()

    report = finetune_project(store, "default", epochs=3, on_progress=stop_after_first, cancel=cancel,
                              max_crops=10, min_gain=-1.0)  # fmt: skip
    assert report.cancelled and not report.saved and report.epochs == 1 and epochs_seen == [1]
    assert not has_finetuned(store, "default") and _leftovers(store, "default") == []


def test_cli_finetunes_reports_json_and_resets(store: Store, capsys: pytest.CaptureFixture[str]) -> None:
    data = str(store.data_dir)
    assert cli.main(["--data", data, "finetune-cpm", "--epochs", "2", "--max-crops", "10"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert [line.split()[1] for line in lines if line.startswith("epoch ")] == ["1/2", "2/2"]
    result = json.loads(lines[-1])
    assert set(result) == {"pck_before", "pck_after", "seconds", "epochs", "train_crops", "held_out_crops", "saved"}
    assert result["train_crops"] + result["held_out_crops"] == 10 and result["seconds"] > 0
    assert result["saved"] == (result["pck_after"] >= result["pck_before"]) == has_finetuned(store, "default")

    store.create_project("csv_only")
    assert cli.main(["--data", data, "finetune-cpm", "--project", "csv_only", "--epochs", "1"]) == 2
    assert "record at least 5 webcam or photo samples" in capsys.readouterr().err

    checkpoint.save(checkpoint.load(checkpoint.DEFAULT_DIR), project_cpm_dir(store, "default"))
    assert cli.main(["--data", data, "finetune-cpm", "--reset"]) == 0
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1]) == {"reset": True, "saved": False}
    assert not has_finetuned(store, "default")


# extended: the ResNet-deconv fine-tune: the network project fine-tune test covers it ([rd])
@pytest.mark.extended
def test_a_resnet_deconv_project_fine_tunes_its_own_network(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from conftest import resdeconv_checkpoint

    from core.cpm.architectures import arch_of
    from core.data import project_cpm

    store.create_project("rd", backend="resnet-deconv")
    own = [dataclasses.replace(s, backend="resnet-deconv") for s in store.list_samples("default", with_crops=True)]
    store.add_samples("rd", own)  # samples of its network: MediaPipe labels their crops (see the tests below)
    store.add_samples("rd", store.list_samples("default", with_crops=True))  # MediaPipe's keypoints: kept as stored
    monkeypatch.setitem(project_cpm.DEFAULT_DIRS, "resnet-deconv", tmp_path / "absent")
    with pytest.raises(project_cpm.MissingWeightsError, match="the ResNet-deconv weights are missing: .*absent"):
        finetune_project(store, "rd", epochs=1, max_crops=10)
    assert not project_cpm_dir(store, "rd").exists()

    shipped = resdeconv_checkpoint(tmp_path / "shipped")  # stands in for core/resdeconv/weights
    monkeypatch.setitem(project_cpm.DEFAULT_DIRS, "resnet-deconv", shipped)
    assert project_checkpoint(store, "rd") == shipped and project_checkpoint(store, "default") == checkpoint.DEFAULT_DIR
    kept = finetune_project(store, "rd", epochs=1, max_crops=10, min_gain=-1.0)
    assert kept.saved and not kept.from_finetuned and kept.epochs == 1 and kept.train_crops + kept.held_out_crops == 10
    tuned, start = checkpoint.load(project_cpm_dir(store, "rd")), checkpoint.load(shipped)
    assert arch_of(tuned.cfg) == "resnet-deconv" and tuned.cfg == start.cfg
    assert any(not torch.equal(v, start.state_dict()[k]) for k, v in tuned.state_dict().items())
    assert not has_finetuned(store, "default")  # the MediaPipe project keeps the CPM

    data = str(store.data_dir)
    assert cli.main(["--data", data, "finetune-cpm", "-p", "rd", "--epochs", "1", "--max-crops", "10"]) == 0
    out = capsys.readouterr().out
    assert "fine-tuning its fine-tuned ResNet-deconv of project 'rd' on up to 10 crops, 1 epochs" in out
    assert cli.main(["--data", data, "finetune-cpm", "-p", "rd", "--reset"]) == 0
    assert "project 'rd' is back to the default ResNet-deconv" in capsys.readouterr().out
    assert not has_finetuned(store, "rd") and project_checkpoint(store, "rd") == shipped


def test_project_cpm_constants_match_the_checkpoint_module() -> None:
    from core.cpm import checkpoint
    from core.data import project_cpm

    assert project_cpm.DEFAULT_DIR == checkpoint.DEFAULT_DIR
    assert project_cpm.CONFIG_FILE == checkpoint.CONFIG_FILE


NETWORK_PROJECTS = {"cpm": "cpm", "rd": "resnet-deconv"}  # project → its backend


@pytest.fixture(scope="module")
def network_dir(seeded_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(a copy of ``seeded_dir`` plus a cpm project and a resnet-deconv project "rd" whose samples were extracted
    from the same photos through their own network, the random ResNet-deconv standing in for its shipped weights)."""
    from conftest import resdeconv_checkpoint

    from core.data import project_cpm

    root = tmp_path_factory.mktemp("network_projects")
    shutil.copytree(seeded_dir, root / "data")
    shipped = resdeconv_checkpoint(root / "shipped")
    store = Store(root / "data")
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(project_cpm.DEFAULT_DIRS, "resnet-deconv", shipped)
        for project, backend in NETWORK_PROJECTS.items():
            store.create_project(project, backend=backend)
            for class_name, folder in (("thumbs_up", "like"), ("open_palm", "palm")):
                extract_to_store(store, project, class_name, _photos(folder))
    return root / "data", shipped


@pytest.fixture
def net_store(network_dir: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Store:
    """A private copy of ``network_dir``'s store, the random ResNet-deconv standing in for the shipped one."""
    from core.data import project_cpm

    data, shipped = network_dir
    monkeypatch.setitem(project_cpm.DEFAULT_DIRS, "resnet-deconv", shipped)
    shutil.copytree(data, tmp_path / "data")
    return Store(tmp_path / "data")


def _mediapipe_in_crop(store: Store, sample: Sample, side: int) -> np.ndarray:
    """MediaPipe's keypoints of ``sample``'s hand on the whole photo (the default project's sample of that photo
    nearest the crop's centre), in the pixels of ``sample``'s stored crop."""
    box = hand_crop_box(sample.hand, sample.hand.image_size, THUMBNAIL_MARGIN)
    centre = np.array([box[0] + box[2], box[1] + box[3]]) / 2
    same_photo = [s for s in store.list_samples("default") if s.source_name == sample.source_name]
    reference = min(same_photo, key=lambda s: np.linalg.norm(s.hand.pixel.mean(axis=0) - centre))
    return points_to_crop(reference.hand.pixel, crop_transform(box, side))


# extended: MediaPipe labels a network project's crops: the CPM project tests beside it cover extraction
@pytest.mark.extended
@pytest.mark.parametrize("project", NETWORK_PROJECTS)
def test_a_network_project_s_own_samples_are_labelled_by_mediapipe_on_their_crops(
    net_store: Store, project: str
) -> None:
    samples = net_store.list_samples(project, with_crops=True)
    assert len(samples) >= 8 and {s.backend for s in samples} == {NETWORK_PROJECTS[project]}
    counts = count_crops(net_store, project)  # no image read: every crop counts until MediaPipe has looked
    assert (counts.usable, counts.no_image, counts.relabelled, counts.no_hand) == (len(samples), 0, len(samples), 0)
    crops, labelled = labelled_crops(net_store, project)
    assert len(crops) == labelled.usable == labelled.relabelled == len(samples) - labelled.no_hand
    assert labelled.no_hand <= 1, "MediaPipe should find the hand in (almost) every framed crop"
    by_pixels = {decode_jpeg(s.crop_jpeg).tobytes(): s for s in samples}
    teacher, own = [], []  # per crop: the median over the 21 joints of the distance to MediaPipe's on the photo
    for rgb, points in crops:
        sample = by_pixels[rgb.tobytes()]
        reference = _mediapipe_in_crop(net_store, sample, rgb.shape[0])
        teacher.append(float(np.median(np.linalg.norm(points - reference, axis=1))))
        own.append(float(np.median(np.linalg.norm(crop_keypoints(sample.hand, rgb.shape[0]) - reference, axis=1))))
    # measured: cpm 1.0 px median, max 3.9 (its own keypoints 2.9); rd 1.0 px, max 3.3 (the random network 72); 192 px crops
    assert np.median(teacher) < 2.0 and max(teacher) < 6.0, teacher
    assert np.median(teacher) < np.median(own), (teacher, own)
    again = user_crops(net_store, project)  # deterministic: the same crops, the same keypoints
    assert len(again) == len(crops) and all(np.array_equal(a[1], b[1]) for a, b in zip(again, crops, strict=True))


@pytest.mark.parametrize("project", NETWORK_PROJECTS)
def test_a_network_project_fine_tunes_on_its_own_samples(net_store: Store, project: str) -> None:
    from core.cpm.architectures import arch_of

    report = finetune_project(net_store, project, epochs=1, max_crops=10, min_gain=-1.0)
    assert report.train_crops + report.held_out_crops == 10 and report.epochs == 1 and not report.cancelled
    assert report.relabelled_crops == 10 and report.no_hand_crops == 0
    assert 0.0 <= report.pck_before <= 1.0 and 0.0 <= report.pck_after <= 1.0
    assert report.saved and has_finetuned(net_store, project)
    assert arch_of(checkpoint.load(project_cpm_dir(net_store, project)).cfg) == NETWORK_PROJECTS[project]


def test_a_crop_without_a_hand_is_skipped_and_named(net_store: Store) -> None:
    samples = net_store.list_samples("cpm", with_crops=True)
    crops, before = labelled_crops(net_store, "cpm")
    black = dataclasses.replace(
        samples[0], source_name="black.jpg", crop_jpeg=encode_jpeg(np.zeros((192, 192, 3), np.uint8))
    )
    net_store.add_sample("cpm", black)  # the newest of its class: a spread over the class picks it
    assert count_crops(net_store, "cpm").usable == len(samples) + 1  # not known before MediaPipe looks
    after_crops, after = labelled_crops(net_store, "cpm")
    assert len(after_crops) == len(crops) and after.no_hand == before.no_hand + 1
    refilled, counts = labelled_crops(net_store, "cpm", max_crops=len(crops))  # its place goes to another sample
    assert len(refilled) == len(crops) and counts.no_hand >= 1

    found = {rgb.tobytes() for rgb, _ in crops}
    net_store.create_project("few", backend="cpm")
    net_store.add_samples("few", [s for s in samples if decode_jpeg(s.crop_jpeg).tobytes() in found][:4] + [black])
    message = r"needs at least 5 hand crops, this project has 4 \(1 where MediaPipe found no hand in the crop\)"
    with pytest.raises(ValueError, match=message):
        user_crops(net_store, "few")
    with pytest.raises(ValueError, match=message):
        finetune_project(net_store, "few", epochs=1)
    assert not project_cpm_dir(net_store, "few").exists()
