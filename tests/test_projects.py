"""core.data.projects: projects (backend, skeleton, motion) and their classes, names unique regardless of case."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from storemaker import make_hand, snapshot

from core.classes.names import LookAlikeError
from core.data.store import DB_NAME, DuplicateNameError, NotFoundError, Sample, Store, StoreError
from core.gestures.catalog import DEFAULT_CLASSES, DEFAULT_PROJECT, GestureClass, InvalidNameError


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(7)


@pytest.fixture
def store(database: str, data_dir: Path) -> Store:
    """conftest's store, on each database in turn (tests/pgcluster.py): the same tests hold on both."""
    created = Store(data_dir)
    created.ensure_project()
    return created


def test_default_project_has_default_classes(store: Store, data_dir: Path, database: str) -> None:
    assert store.list_projects() == [DEFAULT_PROJECT]
    assert store.list_classes(DEFAULT_PROJECT) == list(DEFAULT_CLASSES)
    right = next(c for c in store.list_classes(DEFAULT_PROJECT) if c.name == "pointing_right")
    assert (right.emoji, right.mirror) == ("👉", "pointing_left")
    assert store.ensure_project() == DEFAULT_PROJECT  # idempotent
    assert store.class_counts(DEFAULT_PROJECT) == {c.name: 0 for c in DEFAULT_CLASSES}
    assert (data_dir / DB_NAME).is_file() == (database == "sqlite")  # on PostgreSQL no file is made
    assert Store().data_dir == data_dir  # $HANDTEACH_DATA is the default


def test_projects_create_rename_delete(store: Store) -> None:
    assert store.create_project("  mine ", default_classes=False, backend="cpm") == "mine"
    assert store.list_classes("mine") == [] and store.project_backend("mine") == "cpm"
    with pytest.raises(DuplicateNameError, match="mine"):
        store.create_project("mine")
    (store.project_dir("mine") / "model.json").write_text("{}")
    assert store.rename_project("mine", "yours") == "yours"
    assert store.list_projects() == [DEFAULT_PROJECT, "yours"]
    assert (store.data_dir / "projects" / "yours" / "model.json").is_file()
    assert not (store.data_dir / "projects" / "mine").exists()
    with pytest.raises(DuplicateNameError):
        store.rename_project("yours", DEFAULT_PROJECT)
    store.delete_project("yours")
    assert store.list_projects() == [DEFAULT_PROJECT]
    assert not (store.data_dir / "projects" / "yours").exists()
    for call in (lambda: store.delete_project("nope"), lambda: store.list_classes("nope")):
        with pytest.raises(NotFoundError, match="'nope'"):
            call()


def test_deleting_a_project_deletes_its_samples(store: Store, rng: np.random.Generator) -> None:
    store.create_project("other")
    keep = store.add_sample(DEFAULT_PROJECT, Sample(make_hand(rng), "ok", "image"))
    gone = store.add_sample("other", Sample(make_hand(rng), "ok", "image"))
    store.delete_project("other")
    store.get_sample(keep)
    with pytest.raises(NotFoundError, match=str(gone)):
        store.get_sample(gone)


BAD_NAMES = ["a/b", "a\\b", "..", "", "   ", "x" * 65, "unknown", "Unknown", "tab\there"]


@pytest.mark.slow
@pytest.mark.parametrize("bad", BAD_NAMES)
def test_bad_names_are_refused_and_change_nothing(store: Store, bad: str) -> None:
    before = snapshot(store)
    calls = [
        lambda: store.create_project(bad),
        lambda: store.rename_project(DEFAULT_PROJECT, bad),
        lambda: store.add_class(DEFAULT_PROJECT, bad),
        lambda: store.rename_class(DEFAULT_PROJECT, "ok", bad),
        lambda: store.project_dir(bad),
    ]
    if bad:  # mirror="" means "symmetric", not a bad name
        calls.append(lambda: store.add_class(DEFAULT_PROJECT, "fine", mirror=bad))
    for call in calls:
        with pytest.raises(InvalidNameError):
            call()
    assert snapshot(store) == before
    assert not (store.data_dir / "projects").exists() or list((store.data_dir / "projects").iterdir()) == []


def test_classes_add_rename_delete_clear(store: Store, rng: np.random.Generator) -> None:
    p = DEFAULT_PROJECT
    assert store.add_class(p, "wave", emoji="👋") == GestureClass("wave", "👋", "")
    assert store.list_classes(p)[-1].name == "wave"
    with pytest.raises(DuplicateNameError, match="wave"):
        store.add_class(p, "wave")
    sid = store.add_sample(p, Sample(make_hand(rng), "pointing_left", "webcam"))
    assert store.rename_class(p, "pointing_left", "left") == "left"
    names = [c.name for c in store.list_classes(p)]
    assert names.index("left") == 6  # position kept
    assert GestureClass("pointing_right", "👉", "left") in store.list_classes(p)  # mirror reference follows
    assert store.get_sample(sid).class_name == "left"
    with pytest.raises(DuplicateNameError):
        store.rename_class(p, "left", "ok")
    with pytest.raises(NotFoundError, match="'nope'"):
        store.rename_class(p, "nope", "x")
    store.add_sample(p, Sample(make_hand(rng), "ok", "webcam"))
    assert store.clear_class(p, "ok") == 1
    assert store.class_counts(p)["ok"] == 0 and "ok" in store.class_counts(p)
    store.delete_class(p, "left")
    assert "left" not in store.class_counts(p)
    assert GestureClass("pointing_right", "👉", "") in store.list_classes(p)
    with pytest.raises(NotFoundError):
        store.get_sample(sid)


def test_class_names_are_unique_regardless_of_case_and_spaces(store: Store) -> None:
    """ "Peace" beside "✌️ peace" was accepted: two classes the user cannot tell apart."""
    store.add_class("default", "peace", "✌")
    for typed in ("Peace", "  PEACE ", "peace"):
        with pytest.raises(DuplicateNameError, match="already has a class named 'peace'"):
            store.add_class("default", typed)
    with pytest.raises(DuplicateNameError, match="'thumbs_up'"):
        store.rename_class("default", "peace", " Thumbs_Up")
    assert store.rename_class("default", "peace", "Peace") == "Peace", "a class may change its own case"
    names = [g.name for g in store.list_classes("default")]
    assert names.count("Peace") == 1 and "peace" not in names and "Thumbs_Up" not in names


def test_names_that_look_alike_are_one_name_or_refused(store: Store) -> None:
    """Issue 34 item 11: "Cafe" + a combining accent beside "Café", "ok" + a zero-width space beside "ok",
    a project "Default" beside "default" (their model folders collide on case-insensitive filesystems)."""
    store.add_class("default", "Café")
    with pytest.raises(DuplicateNameError, match="already has a class named 'Café'"):
        store.add_class("default", "Cafe\u0301")  # decomposed: composed (NFC) first, then the same name
    before = snapshot(store)
    for hidden in ("ok\u200b", "o\u202ek", "ok\u00a0x", "\ufeffok", "ok\u2028x"):
        with pytest.raises(InvalidNameError, match="invisible or unusual space character"):
            store.add_class("default", hidden)
        with pytest.raises(InvalidNameError, match="invisible or unusual space character"):
            store.create_project(hidden)
    assert snapshot(store) == before
    assert store.add_class("default", "👨\u200d💻 coder").name == "👨\u200d💻 coder"  # a joiner inside an emoji stays
    with pytest.raises(DuplicateNameError, match="a project named 'default' already exists .'Default' differs"):
        store.create_project("Default")
    store.create_project("other")
    with pytest.raises(DuplicateNameError, match="a project named 'other' already exists"):
        store.rename_project("default", "OTHER")
    assert store.rename_project("other", "Other") == "Other", "a project may change its own case"
    assert store.ensure_project("DEFAULT") == "default"
    assert sorted(store.list_projects()) == ["Other", "default"]


def test_emoji_and_mirror_are_checked(store: Store) -> None:
    """Issue 19 item 8: 10,000 characters, newlines and terminal escapes were stored and printed raw;
    a mirror could name a class that does not exist."""
    for bad in ("x" * 10_000, "a\nb", "\x1b[31mred", "a\u2028b"):
        with pytest.raises(StoreError, match="emoji"):
            store.add_class(DEFAULT_PROJECT, "new", emoji=bad)
    with pytest.raises(NotFoundError, match="mirror 'nothere'"):
        store.add_class(DEFAULT_PROJECT, "new", mirror="nothere")
    assert "new" not in store.class_counts(DEFAULT_PROJECT)
    store.add_class(DEFAULT_PROJECT, "family", emoji="👨\u200d👩\u200d👧", mirror="ok")
    store.add_class(DEFAULT_PROJECT, "wave", emoji="wave hi")
    assert store.list_classes(DEFAULT_PROJECT)[-2].mirror == "ok"


def test_body_projects_refuse_the_cpm_and_unknown_skeletons_are_named(store: Store) -> None:
    before = snapshot(store)
    with pytest.raises(StoreError, match="the CPM is a hand model"):
        store.create_project("poses", skeleton="body", backend="cpm")
    with pytest.raises(StoreError, match="unknown skeleton 'tail'"):
        store.create_project("tails", skeleton="tail")
    assert snapshot(store) == before


def test_a_name_that_looks_like_another_is_refused_for_gestures_and_projects(store: Store) -> None:
    """A Cyrillic "оk" beside "ok" (or "rn" for "m") would be two gestures, or two projects, nobody could tell apart
    on the page: refused in one line, as student names are (core.classes.names.clash); what differs is kept."""
    cyrillic_ok = "\u043ek"  # Cyrillic "о", Latin "k"
    with pytest.raises(
        LookAlikeError, match="^'оk' looks just like the class 'ok': choose a name that looks different$"
    ):
        store.add_class(DEFAULT_PROJECT, cyrillic_ok)
    with pytest.raises(LookAlikeError, match="looks just like the class 'thumbs_up'"):
        store.rename_class(DEFAULT_PROJECT, "open_palm", "thurnbs_up")  # "rn" for "m"
    store.rename_class(DEFAULT_PROJECT, "ok", "OK")  # itself in capitals: the same name, kept
    labelled = [Sample(make_hand(np.random.default_rng(3)), label, "csv") for label in ("ok", cyrillic_ok)]
    with pytest.raises(LookAlikeError):  # a file's labels make no look-alike class either: nothing is stored
        store.add_samples(DEFAULT_PROJECT, labelled, create_classes=True)
    assert store.class_counts(DEFAULT_PROJECT)["OK"] == 0
    store.create_project("two", default_classes=False)
    store.add_class("two", "wave")
    with pytest.raises(LookAlikeError):
        store.add_class("two", "w\u0430ve")  # Cyrillic "а"
    assert [c.name for c in store.list_classes("two")] == ["wave"]
    store.create_project("ana-signs")
    for alike in ("\u0430na-signs", "ana\u2010signs", "ANA-SIGN\u0405", "ana-signs\ufe0f"):
        with pytest.raises(DuplicateNameError) as refused:
            store.create_project(alike)
        assert "\n" not in str(refused.value)
        with pytest.raises(DuplicateNameError):
            store.rename_project("two", alike)
    assert sorted(store.list_projects()) == sorted([DEFAULT_PROJECT, "ana-signs", "two"])
    store.rename_project("ana-signs", "Ana-Signs")  # its own name in other capitals: still one project
    store.create_project("ana-signs 2")  # a name that looks different
