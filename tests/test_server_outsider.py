"""What an outsider with no account can do to the served app (issue 63, items 5, 6, 7 and 13), tried on the real
server (``python -m ui.server.serve``) of a class with one job worker, through raw websockets and HTTP
(``bench/server/outsider.py``, which also prints the numbers at the issue's sizes). Before: each clear_cache from a
sign-in page added a worker (1 → 5 in four rounds), 4 × 100 MB to file ids never issued were accepted (+402 MB),
ten sockets of reruns kept a student's page 29.5 s, a garbage frame came back with ``DecodeError`` and a path."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.common.browser import AppServer
from bench.server.outsider import class_server, clear_cache_rounds, garbage_frames, outsider_uploads, rerun_flood

DOOR = 20  # the site's sockets without an account here (300 by default): the door filled in a few seconds


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[AppServer, str]]:
    with class_server(Path(tmp_path_factory.mktemp("outsider")), {"HANDTEACH_OUTSIDER_SOCKETS": str(DOOR)}) as found:
        yield found


@pytest.mark.slow
def test_a_garbage_frame_gets_back_no_exception_or_path_and_is_logged_once_a_second(served) -> None:  # noqa: ANN001
    result = asyncio.run(garbage_frames(served[0], frames=1000))
    assert result["texts_back"] == 0 and not result["path_or_stack_back"], result
    assert result["log_tracebacks"] == 0 and result["log_growth_bytes"] < 1000, result  # one line a second at most
    assert result["next_page_s"] < 2.0, result


@pytest.mark.slow
def test_an_outsiders_100_mb_upload_is_refused_before_it_is_read(served) -> None:  # noqa: ANN001
    result = asyncio.run(outsider_uploads(*served, uploads=1, megabytes=100.0))
    assert result["upload_statuses"] == [403] and result["rss_growth_mb"] < 5, result
    assert result["outsider_ids_given"] == 0, result  # a sign-in page has no uploader: no upload address either
    assert result["student_ids_given"] == 1 and result["student_upload_status"] == 204, result  # Home's uploader


@pytest.mark.slow
def test_clear_cache_from_a_sign_in_page_adds_no_worker(served) -> None:  # noqa: ANN001
    result = asyncio.run(clear_cache_rounds(*served, rounds=2))
    assert result["workers_per_round"] == [1, 1, 1], result


# extended: a rerun flood: the five addresses' test beside it covers outsiders against a student's page
@pytest.mark.extended
@pytest.mark.slow
def test_a_rerun_flood_from_one_address_leaves_a_students_page_answered_within_2_s(served) -> None:  # noqa: ANN001
    result = asyncio.run(rerun_flood(*served, sockets=10, seconds=8.0, rate=100.0))
    assert result["student_pages"] >= 1 and result["student_page_max_s"] < 2.0, result


@pytest.mark.slow
def test_sign_in_pages_from_five_addresses_share_one_budget_and_the_student_is_answered(tmp_path: Path) -> None:
    """Issue 68, item 3, small: 15 sign-in pages from 5 addresses, each at 4 reruns a second (under its socket's and
    its address's limits), on a server whose budget for tabs without an account is 2 whole-page runs a second and 12
    sockets: 3 sockets are refused, the 12 get the budget's page runs between them (before: every rerun, about 60 a
    second here), and the signed-in student's pages, which the budget never holds, are answered."""
    from bench.server.outsider import student_cookie
    from bench.server.rerun_flood import app_servers, measure

    cookie = student_cookie(tmp_path / "server0" / "data")
    env = {"HANDTEACH_OUTSIDER_PAGES": "2", "HANDTEACH_OUTSIDER_SOCKETS": "12"}
    with app_servers(tmp_path, 1, env) as servers:
        result = asyncio.run(measure(servers, cookie, sockets=15, addresses=5, seconds=12.0, rate=4.0, every=1.0))
    assert result["flood_sockets_open"] == 12 and result["flood_sockets_refused"] == 3, result
    assert result["flood_page_runs"] <= 2 * 12 + 2 * 4 + 2, result  # its rate for 12 s, its burst, the clock's slack
    assert result["victim_pages"] >= 1 and result["victim_page_max_s"] < 60, result  # none timed out


@pytest.mark.slow
def test_outsiders_holding_every_socket_without_an_account_leave_a_fresh_student_the_door(served) -> None:  # noqa: ANN001
    """Issue 74, item 1, small: 20 idle websockets from 3 addresses fill the server's 20 without an account, each
    opened again a second after it is closed or refused; two fresh students open the URL and sign in, each taking the
    place of the most crowded address's oldest socket, and the outsiders are back to holding all but one. Before:
    both fresh students were refused in the handshake (403)."""
    from bench.server.outsider_door import add_fresh_student, measure

    server, cookie = served
    code = add_fresh_student(server.data_dir)
    base = f"http://127.0.0.1:{server.port}"
    result = asyncio.run(measure(base, code, cookie, sockets=DOOR, addresses=3, fresh=2))
    assert result["outsiders_open_before"] == DOOR, result  # the door full before the first fresh student
    assert result["fresh_refused"] == 0 and result["fresh_signin_p95_s"] < 5.0, result
    assert result["outsiders_closed"] >= 1 and result["outsiders_open_after"] >= DOOR - 1, result
    assert result["victim_page_p95_s"] < 2.0, result
