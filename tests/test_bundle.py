"""The .handteach project file (core.data.bundles.bundle): bit-exact round trips, and hostile files refused with nothing stored.

Quick tests use small projects built through the store's API: hand keypoints from ``handmaker`` and
``storemaker`` (awkward float32 values, NaN world points), JPEG crops made by OpenCV, a gesture model
trained for a few epochs, the shipped CPM saved as a project's fine-tuned one, body poses with
visibility, motion clips with a motion model. The slow ones run MediaPipe on shared photos (a project
with a model and a CPM fine-tuned on its crops, round trip) and Home under AppTest.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import re
import shutil
import stat
import struct
import warnings
import zipfile
import zlib
from pathlib import Path

import numpy as np
import pytest
from handmaker import make_hand, pointing_hand
from storemaker import assert_same_hand, make_body
from storemaker import make_hand as awkward_hand

from core.cli.main import main
from core.data.bundles.bundle import BundleError, ProjectExistsError, export_project, import_project
from core.data.bundles.bundle_format import npy_bytes
from core.data.clips import StoredClip, add_clips, list_clips
from core.data.project import load_project_model, model_dir, save_project_model, train_project
from core.data.project_cpm import project_cpm_dir
from core.data.project_motion import motion_model_dir
from core.data.store import Sample, Store
from core.gestures.catalog import DEFAULT_PROJECT
from core.gestures.training import TrainConfig
from core.io.crops import encode_jpeg
from core.motion.clip import Clip
from core.skeletons import BODY_33, HAND_21
from core.types import Keypoints

MANIFEST = "manifest.json"
pytestmark = pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")  # training on 3.4e38 pixels


def _crop(rng: np.random.Generator) -> bytes:
    return encode_jpeg(rng.integers(0, 255, (192, 192, 3), dtype=np.uint8))


def _hand_project(store: Store, rng: np.random.Generator) -> None:
    """24 hands of three classes: real-looking shapes (to train on) and awkward values, crops on most."""
    store.create_project("signs")
    rows = []
    for i in range(24):
        label = ("pointing_left", "pointing_right", "thumbs_up")[i % 3]
        if i % 8 == 7:
            hand = awkward_hand(rng, depth=i % 16 == 7)  # -0.0, subnormals, 3.4e38, NaN world points
        else:
            hand = make_hand(pointing_hand({"pointing_left": 180, "pointing_right": 0, "thumbs_up": 90}[label]
                                           + rng.normal(0, 8)), scale=rng.uniform(0.8, 1.2))  # fmt: skip
        rows.append(Sample(hand, label, ("webcam", "image", "video", "csv")[i % 4], f"take {i}.jpg",
                           None if i % 5 == 0 else i, 1.7e9 + i / 7, None if i % 6 == 0 else _crop(rng)))  # fmt: skip
    store.add_samples("signs", rows)
    train_project(store, "signs", TrainConfig(epochs=3, seed=0))


def _body_project(store: Store, rng: np.random.Generator) -> None:
    store.create_project("yoga", skeleton="body")
    for name in ("tree", "warrior"):
        store.add_class("yoga", name, emoji="🧘")
    poses = [make_body(rng) for _ in range(6)]
    poses[2] = dataclasses.replace(poses[2], visibility=None)  # a pose without visibility among those with it
    store.add_samples("yoga", [Sample(p, ("tree", "warrior")[i % 2], "image", f"pose{i}.jpg", None, 1.6e9 + i,
                                      _crop(rng) if i % 2 else None) for i, p in enumerate(poses)])  # fmt: skip


def _clip(rng: np.random.Generator, label: str, frames: int) -> Clip:
    points = rng.random((frames, HAND_21.num_joints, 3), dtype=np.float32)
    present = np.ones(frames, bool)
    present[3] = False
    return Clip(points, present, np.cumsum(rng.uniform(0.02, 0.04, frames)), HAND_21, (640, 480), label, f"{label}.mp4")


def _motion_project(store: Store, rng: np.random.Generator) -> None:
    from core.motion.features import MotionFeatureConfig
    from core.motion.model import MotionModel

    store.create_project("moves", default_classes=False, motion=True)
    store.add_class("moves", "swipe_left", emoji="👈", mirror="")
    store.add_class("moves", "swipe_right", emoji="👉", mirror="swipe_left")
    clips = [StoredClip(_clip(rng, ("swipe_left", "swipe_right")[i % 2], 12 + i), "video", "mediapipe", 1.5e9 + i)
             for i in range(6)]  # fmt: skip
    add_clips(store, "moves", clips)
    MotionModel(["swipe_left", "swipe_right"], HAND_21, MotionFeatureConfig()).save(motion_model_dir(store, "moves"))


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data dir with a hand project (trained, with a fine-tuned CPM), a body project and a motion project."""
    from core.cpm import checkpoint

    path = tmp_path_factory.mktemp("bundle") / "data"
    store, rng = Store(path), np.random.default_rng(7)
    _hand_project(store, rng)
    checkpoint.save(checkpoint.load(), project_cpm_dir(store, "signs"))
    _body_project(store, rng)
    _motion_project(store, rng)
    return path


@pytest.fixture
def store(source: Path, tmp_path: Path) -> Store:
    """A private copy of ``source``."""
    shutil.copytree(source, tmp_path / "data")
    return Store(tmp_path / "data")


@pytest.fixture(scope="module")
def signs_file(source: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("files") / "signs.handteach"
    export_project(Store(source, read_only=True), "signs", path)
    return path


def _members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _manifest_content(members: dict[str, bytes]) -> dict:
    manifest = json.loads(members[MANIFEST])
    return {k: v for k, v in manifest.items() if k not in ("name", "exported_at")}


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.slow
@pytest.mark.parametrize("project", ["signs", "yoga", "moves"])
def test_export_import_export_is_bit_exact(store: Store, tmp_path: Path, project: str) -> None:
    first, second = tmp_path / "a.handteach", tmp_path / "b.handteach"
    exported = export_project(store, project, first)
    report = import_project(store, first, as_name="copy")
    assert (report.project, report.replaced, report.models) == ("copy", False, exported.models)
    export_project(store, "copy", second)
    a, b = _members(first), _members(second)
    assert sorted(a) == sorted(b)
    assert {n: d for n, d in a.items() if n != MANIFEST} == {n: d for n, d in b.items() if n != MANIFEST}
    assert _manifest_content(a) == _manifest_content(b)
    assert json.loads(b[MANIFEST])["name"] == "copy"
    assert store.list_classes("copy") == store.list_classes(project)
    assert store.project_created_at("copy") == store.project_created_at(project)
    folder = store.project_dir(project, create=False)
    assert _tree(store.project_dir("copy", create=False)) == _tree(folder)  # model files byte for byte


@pytest.mark.slow
def test_export_names_a_deeply_nested_model_description(store: Store, tmp_path: Path) -> None:
    """Model files are read through core.io.capped: a nested model.json was a RecursionError traceback."""
    (model_dir(store, "signs") / "model.json").write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(BundleError, match=r"model\.json: not a readable model description \(nested too deeply\)"):
        export_project(store, "signs", tmp_path / "s.handteach")
    assert not (tmp_path / "s.handteach").exists()


def test_samples_crops_and_model_survive_in_the_store(store: Store, tmp_path: Path) -> None:
    export_project(store, "signs", tmp_path / "s.handteach")
    import_project(store, tmp_path / "s.handteach", as_name="again")
    old, new = store.list_samples("signs", with_crops=True), store.list_samples("again", with_crops=True)
    assert len(new) == len(old) == 24 and sum(s.crop_jpeg is None for s in new) == 4
    for a, b in zip(old, new, strict=True):
        assert_same_hand(a.hand, b.hand)
        assert (a.class_name, a.source_kind, a.source_name, a.frame, a.created_at, a.crop_jpeg, a.backend) == (
            b.class_name, b.source_kind, b.source_name, b.frame, b.created_at, b.crop_jpeg, b.backend)  # fmt: skip
    model, copy = load_project_model(store, "signs"), load_project_model(store, "again")
    x = np.random.default_rng(0).normal(size=(5, model.n_features)).astype(np.float32)
    assert np.array_equal(model.predict_proba(x), copy.predict_proba(x))
    assert (project_cpm_dir(store, "again") / "model.safetensors").read_bytes() == (
        project_cpm_dir(store, "signs") / "model.safetensors").read_bytes()  # fmt: skip


def test_body_visibility_and_motion_clips_come_back(store: Store, tmp_path: Path) -> None:
    for project in ("yoga", "moves"):
        export_project(store, project, tmp_path / f"{project}.handteach")
        import_project(store, tmp_path / f"{project}.handteach", as_name=f"{project}2")
    poses = store.list_samples("yoga2")
    assert store.project_skeleton("yoga2") == BODY_33 and [p.hand.visibility is None for p in poses].count(True) == 1
    for a, b in zip(store.list_samples("yoga"), poses, strict=True):
        assert a.hand.visibility is None or a.hand.visibility.tobytes() == b.hand.visibility.tobytes()
    assert store.project_is_motion("moves2")
    for a, b in zip(list_clips(store, "moves"), list_clips(store, "moves2"), strict=True):
        assert (
            a.clip.points.tobytes() == b.clip.points.tobytes() and a.clip.present.tobytes() == b.clip.present.tobytes()
        )
        assert a.clip.timestamps.tobytes() == b.clip.timestamps.tobytes() and a.clip.source == b.clip.source
    assert (motion_model_dir(store, "moves2") / "motion.json").is_file()


# ---- refused: nothing stored ---------------------------------------------------------------


def _state(store: Store) -> tuple:
    """Projects with their classes and counts, and every file of the data dir but the database's own."""
    projects = {p: (store.list_classes(p), store.class_counts(p)) for p in store.list_projects()}
    files = sorted(str(p.relative_to(store.data_dir)) for p in store.data_dir.rglob("*")
                   if not p.name.startswith("handteach.sqlite"))  # fmt: skip
    return projects, files


def _rebuild(members: dict[str, bytes], target: Path, edit=None) -> Path:  # noqa: ANN001 - a manifest editor
    """A zip of ``members`` whose manifest lists them (sizes and checksums), then edited by ``edit``."""
    manifest = json.loads(members[MANIFEST])
    manifest["members"] = {n: {"bytes": len(d), "sha256": hashlib.sha256(d).hexdigest()}
                           for n, d in members.items() if n != MANIFEST}  # fmt: skip
    if edit is not None:
        edit(manifest)
    with zipfile.ZipFile(target, "w") as archive:
        for name, data in members.items():
            if name != MANIFEST:
                archive.writestr(name, data)
        archive.writestr(MANIFEST, json.dumps(manifest))
    return target


def _declaring(name: str, data: bytes, declared: int) -> bytes:
    """A zip of one stored member whose central directory says it holds ``declared`` bytes (a zip64 size field)."""
    raw, crc = name.encode(), zlib.crc32(data)
    local = struct.pack("<4s5H3L2H", b"PK\x03\x04", 45, 0, 0, 0, 0x21, crc, len(data), len(data), len(raw), 0)
    extra = struct.pack("<2HQ", 1, 8, declared)
    central = struct.pack("<4s6H3L5HLL", b"PK\x01\x02", 45, 45, 0, 0, 0, 0x21, crc, len(data), 0xFFFFFFFF,
                          len(raw), len(extra), 0, 0, 0, 0, 0) + raw + extra  # fmt: skip
    body = local + raw + data
    return body + central + struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, 1, 1, len(central), len(body), 0)


def _other_weights(members: dict[str, bytes]) -> dict[str, bytes]:
    """The model's weights swapped for those of a narrower network, model.json's checksum updated to them."""
    from core.gestures.classifier import GestureClassifier
    from core.gestures.features import FeatureConfig

    described = json.loads(members["model/model.json"])
    config = FeatureConfig(**described["feature_config"])
    other = GestureClassifier(described["classes"], config, hidden=(64, 64))
    folder = other.save(Path(members["__tmp__"].decode()))
    weights = next(folder.glob("model.*.safetensors")).read_bytes()
    described["weights_sha256"] = hashlib.sha256(weights).hexdigest()
    out = {n: d for n, d in members.items() if n != "__tmp__"}
    out["model/model.json"] = json.dumps(described).encode()
    out[f"model/{described['weights_file']}"] = weights
    return out


def _hostile(kind: str, good: Path, tmp: Path) -> Path:
    members = _members(good)
    target = tmp / f"{kind}.handteach"
    n = json.loads(members[MANIFEST])["counts"]["samples"]
    if kind == "not a zip":
        target.write_text("name,label\n1,2\n")
    elif kind == "truncated":
        target.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    elif kind == "future":  # with a member version 1 lacks: the version is what the message must name
        _rebuild(members | {"samples/hands.parquet": b"PAR1"}, target, lambda m: m.update(format_version=99))
    elif kind == "unknown member":
        _rebuild(members | {"samples/hands.parquet": b"PAR1"}, target)
    elif kind in ("dotdot", "absolute", "symlink", "duplicate"):
        with zipfile.ZipFile(target, "w") as archive, warnings.catch_warnings():
            warnings.simplefilter("ignore")  # zipfile warns of the duplicate name
            for name, data in members.items():
                archive.writestr(name, data)
            if kind == "symlink":
                info = zipfile.ZipInfo("motion/motion.json")
                info.external_attr = (stat.S_IFLNK | 0o777) << 16
            name = {"dotdot": "../evil", "absolute": "/etc/evil", "duplicate": MANIFEST}.get(kind, "")
            archive.writestr(info if kind == "symlink" else name, b"/etc/passwd")
    elif kind == "10 GB":
        target.write_bytes(_declaring("samples/crops.bin", b"tiny", 10 * 10**9))
    elif kind == "bomb":
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(MANIFEST, members[MANIFEST])
            archive.writestr("samples/crops.bin", bytes(20 * 2**20))
    elif kind == "shape":
        members["samples/pixel.npy"] = npy_bytes(np.zeros((n, 21, 3)), "<f4")
        _rebuild(members, target)
    elif kind == "dtype":
        members["samples/world.npy"] = npy_bytes(np.zeros((n, 21, 3)), "<f8")
        _rebuild(members, target)
    elif kind == "weights":
        _rebuild(_other_weights(members | {"__tmp__": str(tmp / "other").encode()}), target)
    elif kind == "altered":
        crops = bytearray(members["samples/crops.bin"])
        crops[100] ^= 1
        with zipfile.ZipFile(target, "w") as archive:  # the manifest's checksum kept: the crop changed since
            for name, data in (members | {"samples/crops.bin": bytes(crops)}).items():
                archive.writestr(name, data)
    elif kind == "class":
        columns = json.loads(members["samples/columns.json"])
        columns["class"][3] = "nobody"
        members["samples/columns.json"] = json.dumps(columns).encode()
        _rebuild(members, target)
    return target


HOSTILE = {
    "not a zip": "not a handteach project file (a .handteach file is a zip archive)",
    "truncated": "a zip archive cut short (truncated)",
    "future": "made by a newer handteach (format 99, this one reads up to 2)",
    "unknown member": "member 'samples/hands.parquet': not part of a handteach project file",
    "dotdot": "member '../evil': a path leaving the archive ('..')",
    "absolute": "member '/etc/evil': an absolute path",
    "symlink": "member 'motion/motion.json': a symbolic link",
    "duplicate": "member 'manifest.json': appears twice",
    "10 GB": "member 'samples/crops.bin': 10,000,000,000 bytes, over the limit of",
    "bomb": "member 'samples/crops.bin': compressed",
    "shape": "member 'samples/pixel.npy': shape (24, 21, 3), expected (24, 21, 2)",
    "dtype": "member 'samples/world.npy': an array of <f8, expected <f4",
    "weights": "tensor '0.weight' is (64,",
    "altered": "member 'samples/crops.bin': its checksum differs from the manifest's",
    "class": "sample 3: class 'nobody' is not one of the project's",
}


@pytest.mark.slow
@pytest.mark.parametrize("kind", list(HOSTILE))
def test_hostile_files_are_refused_naming_file_and_problem_and_store_nothing(
    kind: str, store: Store, signs_file: Path, tmp_path: Path
) -> None:
    bad = _hostile(kind, signs_file, tmp_path)
    before = _state(store)
    with pytest.raises(BundleError) as error:
        import_project(store, bad, as_name="new")
    message = str(error.value)
    assert message.startswith(str(bad)) and HOSTILE[kind] in message, message
    assert _state(store) == before


def test_a_taken_name_is_refused_without_replace_and_replaced_whole_with_it(store: Store, tmp_path: Path) -> None:
    export_project(store, "yoga", tmp_path / "yoga.handteach")  # no model: replacing drops the old one's
    store.rename_project("signs", "yoga-old")
    store.rename_project("yoga", "signs")
    store.rename_project("yoga-old", "yoga")  # now "yoga" is the trained hand project
    before = _state(store)
    with pytest.raises(ProjectExistsError, match="a project named 'yoga' already exists.*--replace"):
        import_project(store, tmp_path / "yoga.handteach")
    assert _state(store) == before
    report = import_project(store, tmp_path / "yoga.handteach", replace=True)
    assert report.replaced and store.project_skeleton("yoga") == BODY_33 and len(store.list_samples("yoga")) == 6
    assert not model_dir(store, "yoga").exists() and not project_cpm_dir(store, "yoga").exists()
    assert sorted(p.name for p in store.data_dir.iterdir() if p.name.startswith(".")) == []


def test_a_name_differing_only_in_case_is_the_same_project(store: Store, tmp_path: Path) -> None:
    export_project(store, "moves", tmp_path / "moves.handteach")
    with pytest.raises(ProjectExistsError, match="a project named 'signs' already exists") as error:
        import_project(store, tmp_path / "moves.handteach", as_name="SIGNS")
    assert error.value.name == "signs"
    import_project(store, tmp_path / "moves.handteach", as_name="SIGNS", replace=True)
    assert "signs" not in store.list_projects() and store.project_is_motion("SIGNS")
    assert sorted(p.name for p in (store.data_dir / "projects").iterdir()) == ["SIGNS", "moves"]  # old folder gone


@pytest.mark.slow
def test_a_failure_while_storing_rolls_back_and_keeps_the_replaced_project(
    store: Store, signs_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from core.data.bundles import bundle_import

    store.delete_samples([s.id for s in store.list_samples("signs")[:5]])
    save_project_model(store, "signs", load_project_model(store, "signs"), note="the old one")
    before, folder = _state(store), _tree(store.project_dir("signs"))
    run = bundle_import._FolderSwap.run

    def run_then_fail(self: bundle_import._FolderSwap) -> None:
        run(self)
        raise OSError("disk full")

    monkeypatch.setattr(bundle_import._FolderSwap, "run", run_then_fail)
    with pytest.raises(OSError, match="disk full"):
        import_project(store, signs_file, replace=True)
    assert _state(store) == before and _tree(store.project_dir("signs")) == folder
    with pytest.raises(OSError, match="disk full"):
        import_project(store, signs_file, as_name="fresh")
    assert _state(store) == before and "fresh" not in store.list_projects()


@pytest.mark.slow
def test_a_project_file_is_stored_in_short_transactions_and_a_failure_midway_leaves_nothing(
    store: Store, signs_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 53: the whole project was one transaction, holding every other student's writes. Now each slice of
    samples is its own (here one sample each); a failure after some were committed deletes the passing project."""
    from core.data.imports import batched_import

    monkeypatch.setattr(batched_import, "HOLD_TARGET_S", 0.0)
    before, calls = _state(store), []
    insert = Store.insert_samples

    def insert_then_fail(self: Store, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
        calls.append(1)
        if len(calls) == 4:
            raise OSError("disk full")
        insert(self, *args, **kwargs)

    monkeypatch.setattr(Store, "insert_samples", insert_then_fail)
    with pytest.raises(OSError, match="disk full"):
        import_project(store, signs_file, as_name="fresh")
    assert _state(store) == before
    calls.clear()
    monkeypatch.setattr(Store, "insert_samples", lambda self, *a, **k: (calls.append(1), insert(self, *a, **k)))
    report = import_project(store, signs_file, as_name="fresh")
    assert len(calls) == report.samples > 3  # a transaction per sample
    assert store.class_counts("fresh") == store.class_counts("signs")
    assert sorted(store.list_projects()) == sorted([*before[0], "fresh"])  # no passing name left


def test_a_mirror_partner_missing_from_the_classes_is_refused(store: Store, signs_file: Path, tmp_path: Path) -> None:
    def drop_left(manifest: dict) -> None:
        manifest["classes"] = [c for c in manifest["classes"] if c["name"] != "pointing_left"]
        del manifest["counts"]["per_class"]["pointing_left"]

    bad = _rebuild(_members(signs_file), tmp_path / "mirror.handteach", drop_left)
    with pytest.raises(BundleError, match="mirror 'pointing_left' is not a class of the project"):
        import_project(store, bad, as_name="new")


def test_cli_exports_and_imports_and_names_a_bad_file(store: Store, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    data, out = str(store.data_dir), tmp_path / "moves.handteach"
    assert main(["--data", data, "projects", "export", "moves", "-o", str(out)]) == 0
    assert json.loads(capsys.readouterr().out.splitlines()[-1])["clips"] == 6
    assert main(["--data", data, "projects", "import", str(out)]) == 2
    assert "already exists" in capsys.readouterr().err
    assert main(["--data", data, "projects", "import", str(out), "--as", "moves 2"]) == 0
    assert json.loads(capsys.readouterr().out.splitlines()[-1]) == {
        "project": "moves 2", "samples": 0, "clips": 6, "classes": 2, "models": ["motion"], "replaced": False}  # fmt: skip
    assert main(["--data", data, "projects", "import", str(out), "--replace"]) == 0
    (tmp_path / "junk.handteach").write_bytes(b"\x00" * 100)
    assert main(["--data", data, "projects", "import", str(tmp_path / "junk.handteach")]) == 2
    assert (
        capsys.readouterr().err == f"error: {tmp_path / 'junk.handteach'}: not a handteach project file (a "
        ".handteach file is a zip archive)\n"
    )


@pytest.mark.slow
def test_a_resnet_deconv_project_keeps_its_network_and_refuses_the_cpms(
    store: Store, signs_file: Path, tmp_path: Path
) -> None:
    from conftest import resdeconv_checkpoint

    store.create_project("rd", backend="resnet-deconv")
    hands = store.list_samples("signs", with_crops=True)[:4]
    store.add_samples("rd", [dataclasses.replace(s, backend="resnet-deconv") for s in hands])
    resdeconv_checkpoint(project_cpm_dir(store, "rd"))
    assert export_project(store, "rd", tmp_path / "rd.handteach").models == ("cpm",)
    report = import_project(store, tmp_path / "rd.handteach", as_name="rd 2")
    assert report.models == ("cpm",) and store.project_backend("rd 2") == "resnet-deconv"
    assert {s.backend for s in store.list_samples("rd 2")} == {"resnet-deconv"}
    assert _tree(store.project_dir("rd 2", create=False)) == _tree(store.project_dir("rd", create=False))

    before = _state(store)  # the signs file's fine-tuned CPM said to belong to a ResNet-deconv project
    cpm_in_rd = _rebuild(_members(signs_file), tmp_path / "cpm.handteach", lambda m: m.update(backend="resnet-deconv"))
    with pytest.raises(BundleError, match="a fine-tuned CPM in a project that runs the ResNet-deconv"):
        import_project(store, cpm_in_rd, as_name="new")
    export_project(store, "yoga", tmp_path / "yoga.handteach")
    body = _rebuild(_members(tmp_path / "yoga.handteach"), tmp_path / "body.handteach",
                    lambda m: m.update(backend="resnet-deconv"))  # fmt: skip
    with pytest.raises(BundleError, match="keypoint backend 'resnet-deconv' is not one a body project can have"):
        import_project(store, body, as_name="new")
    assert _state(store) == before


# ---- real MediaPipe keypoints and crops --------------------------------------------------------


@pytest.mark.slow
def test_a_project_of_real_photos_round_trips_bit_exact(tmp_path: Path) -> None:
    from conftest import hagrid_photos

    from core.data.imports.extract import extract_to_store
    from core.data.project_finetune import finetune_project

    store = Store(tmp_path / "data")
    store.ensure_project()
    for label, folder in (("thumbs_up", "like"), ("open_palm", "palm"), ("fist", "fist")):
        assert extract_to_store(store, "default", label, hagrid_photos(folder, 8)).stored >= 5
    train_project(store, "default", TrainConfig(epochs=30, seed=0))
    assert finetune_project(store, "default", epochs=1, max_crops=8, min_gain=-1.0).saved  # a real fine-tuned CPM
    first, second = tmp_path / "a.handteach", tmp_path / "b.handteach"
    export_project(store, "default", first)
    import_project(store, first, as_name="mine")
    export_project(store, "mine", second)
    a, b = _members(first), _members(second)
    assert {n: d for n, d in a.items() if n != MANIFEST} == {n: d for n, d in b.items() if n != MANIFEST}
    assert _manifest_content(a) == _manifest_content(b)
    assert json.loads(b[MANIFEST])["models"] == ["model", "cpm"]
    assert _tree(store.project_dir("mine")) == _tree(store.project_dir("default"))
    samples = store.list_samples("mine", with_crops=True)
    assert all(s.crop_jpeg and s.crop_jpeg[:3] == b"\xff\xd8\xff" for s in samples) and len(samples) >= 15
    hands = [s.hand for s in samples]
    assert [p.label for p in map(load_project_model(store, "mine").predict_hand, hands)] == [
        p.label for p in map(load_project_model(store, "default").predict_hand, hands)]  # fmt: skip


@pytest.mark.slow
def test_home_downloads_the_project_and_opens_project_files(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from streamlit.testing.v1 import AppTest  # here, not at the top: the module's quick tests stay quick

    monkeypatch.setenv("HANDTEACH_DATA", str(store.data_dir))
    export_project(store, "signs", tmp_path / "signs.handteach")
    at = AppTest.from_file(str(Path(__file__).resolve().parents[1] / "app.py"), default_timeout=60)
    at.run()
    assert [b.proto.label for b in at.get("download_button")] == ["⬇ Download project"]
    assert at.get("download_button")[0].proto.deferred_file_id  # made on click, not on every run of Home

    def open_file(name: str, data: bytes, as_name: str = "", replace: bool = False) -> None:
        at.get("file_uploader")[0].set_value((name, data, "application/octet-stream"))
        at.text_input(key="home_bundle_name").set_value(as_name)
        at.checkbox(key="home_bundle_replace").set_value(replace)
        at.run()
        at.button(key="home_bundle_open").click()
        at.run()
        assert not at.exception, [e.message for e in at.exception]

    def error() -> str:  # as shown: widgets.plain escapes Markdown
        return re.sub(r"\\(.)", r"\1", at.error[0].value)

    before = _state(store)
    open_file("notes.handteach", b"name,label\n")
    assert error() == "Nothing was opened. notes.handteach: not a handteach project file (a .handteach " \
        "file is a zip archive)"  # fmt: skip
    open_file("signs.handteach", (tmp_path / "signs.handteach").read_bytes())
    assert "a project named 'signs' already exists" in error() and _state(store) == before
    open_file("signs.handteach", (tmp_path / "signs.handteach").read_bytes(), as_name="from a file")
    assert not at.error and "Opened project 'from a file': 24 samples and what it learned." in [
        m.value for m in at.success]  # fmt: skip
    assert at.selectbox(key="home_project").value == "from a file"
    assert len(store.list_samples("from a file")) == 24 and load_project_model(store, "from a file") is not None


def test_the_home_panel_checks_the_upload_size_before_reading_it(store: Store) -> None:
    from core.io.limits import LimitError
    from ui.home import bundle_panel

    class Unread(io.RawIOBase):
        def read(self, *_: object) -> bytes:
            raise AssertionError("read before its size was checked")

    with pytest.raises(LimitError, match=r"big\.handteach: 300\.0 MB, over the upload limit"):
        bundle_panel.open_upload(store, "big.handteach", 300 * 2**20, Unread(), None, False)
    data = bundle_panel.bundle_bytes(store, "yoga")
    report = bundle_panel.open_upload(store, "y.handteach", len(data), io.BytesIO(data), "yoga 2", False)
    assert (report.project, report.samples) == ("yoga 2", 6)
    with pytest.raises(BundleError, match=r"^y\.handteach: member 'samples/crops\.bin'"):  # the upload's name
        bad = data.replace(b"\xff\xd8\xff", b"\xff\xd8\x00")
        bundle_panel.open_upload(store, "y.handteach", len(bad), io.BytesIO(bad), "yoga 3", False)
    assert "yoga 3" not in store.list_projects()


@pytest.mark.slow
@pytest.mark.extended
def test_importing_a_project_file_holds_its_arrays_not_an_object_per_sample(tmp_path: Path) -> None:
    """Issue 53: imports hold no row objects by the hundred thousand. A file's samples are built one at a time
    from its arrays (21 joints: 756 bytes a sample in pixel, normalised, world and visibility), so the import's
    peak is under twice those arrays (5,000 samples: 5.6 MB; as a list of samples it was 9.6 MB)."""
    import tracemalloc

    n, rng = 5_000, np.random.default_rng(0)
    source = Store(tmp_path / "a")
    source.ensure_project()
    samples = []
    for _ in range(n):
        pixel = rng.normal(300, 60, (21, 2)).astype(np.float32)
        normalised = np.concatenate([pixel / 640, np.zeros((21, 1))], axis=1).astype(np.float32)
        world = np.full((21, 3), np.nan, np.float32)
        samples.append(Sample(Keypoints(pixel, normalised, world, "Right", 0.9, (640, 480)), "ok", "webcam"))
    source.add_samples(DEFAULT_PROJECT, samples)
    del samples
    export_project(source, DEFAULT_PROJECT, tmp_path / "p.handteach")
    target = Store(tmp_path / "b")
    tracemalloc.start()
    try:
        import_project(target, tmp_path / "p.handteach")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert target.class_counts(DEFAULT_PROJECT)["ok"] == n
    assert peak < 2 * 756 * n, peak
