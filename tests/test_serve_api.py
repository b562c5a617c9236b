"""The page's HTTP API (issue 18), through Starlette's test client: a round of the example school as the CLI
does it, the 脱敏 view, and everything that keeps one user's data from another: login, CSRF, traversal, limits."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest
from serving import AS_OF, EXAMPLES, client, example_files, finished, upload
from test_json_schema import errors

from rosterkit.serve.job import read_json, set_state
from rosterkit.serve.rounds import Limits, Rounds

ID_RE = r"\d{17}[\dX]"


def _values(data: bytes) -> dict[str, list[tuple[object, ...]]]:
    wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    return {ws.title: list(ws.iter_rows(values_only=True)) for ws in wb.worksheets}


@pytest.fixture(scope="module")
def example_round(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """The example school through the API, and the same inbox through `rosterkit report --json`."""
    work = tmp_path_factory.mktemp("serve")
    cli = subprocess.run([sys.executable, "-m", "rosterkit", "report", str(EXAMPLES / "inbox"), "--school-info",
                          str(EXAMPLES / "学校信息.xlsx"), "--as-of", AS_OF, "-o", str(work / "cli"), "--json"],
                         capture_output=True, text=True, timeout=300)
    assert cli.returncode in (0, 1), cli.stderr
    with client(work / "web") as c:
        answer = upload(c, example_files())
        assert answer.status_code == 201
        rid = answer.json()["id"]
        st = finished(c, rid)
        masked = c.get(f"/api/rounds/{rid}?mask=1").json()
        files = {o["name"]: c.get(o["url"]) for o in st["outputs"]}
        page = c.get(f"/rounds/{rid}")
    return {"rid": rid, "st": st, "masked": masked, "files": files, "cli": json.loads(cli.stdout), "page": page,
            "work": work / "web"}


def test_a_round_through_the_api_gives_what_report_gives(example_round) -> None:  # type: ignore[no-untyped-def]
    st, cli = example_round["st"], example_round["cli"]
    assert st["state"] == "done" and st["files_done"] == st["files_total"] == 6
    assert sorted(f["status"] for f in st["files"]) == ["ok"] * cli["ok"] + ["problems"] * cli["problems"]
    same = ("files", "ok", "problems", "unreadable", "roster_rows", "rows_left_out", "classes_missing",
            "compliance_rate", "students_overdue", "students_due_soon")
    assert {k: st["summary"][k] for k in same} == {k: cli[k] for k in same}
    assert errors("report", st["summary"]) == []  # the summary is report --json's object
    assert st["summary"]["outputs"] == {"roster": "学校花名册.xlsx", "compliance": "帮扶落实情况.xlsx", "check": "核对",
                                        "returns": "发回各班"}
    summary = openpyxl.load_workbook(io.BytesIO(example_round["files"]["核对/校验汇总.xlsx"].content), read_only=True)
    problems = summary.worksheets[1].max_row - 1  # 校验汇总's 问题清单: a row per problem under its header
    assert len(st["problems"]) == problems == 9
    assert {p["code"] for p in st["problems"]} >= {"id-scientific"}
    assert all(p["file"] and p["class"] and p["message"] for p in st["problems"])


def test_every_output_downloads_and_opens(example_round) -> None:  # type: ignore[no-untyped-def]
    files = example_round["files"]
    assert all(r.status_code == 200 for r in files.values())
    names = set(files)
    assert {"学校花名册.xlsx", "学校花名册_脱敏.xlsx", "帮扶落实情况.xlsx", "帮扶落实情况_脱敏.xlsx", "核对/校验汇总.xlsx",
            "核对/校验汇总_脱敏.xlsx", "发回各班.zip"} <= names
    for name in ("学校花名册.xlsx", "帮扶落实情况.xlsx"):  # the very workbooks `rosterkit report` writes
        assert _values(files[name].content) == _values((example_round["work"].parent / "cli" / name).read_bytes())
    with zipfile.ZipFile(io.BytesIO(files["发回各班.zip"].content)) as zf:
        assert sorted(zf.namelist()) == sorted(n.split("/", 1)[1] for n in names if n.startswith("发回各班/"))
        assert len(zf.namelist()) == 6
    head = files["学校花名册.xlsx"].headers
    assert head["content-type"].startswith("application/vnd.openxmlformats")
    assert head["cache-control"] == "no-store" and head["x-content-type-options"] == "nosniff"


def test_the_masked_view_lets_nobody_rebuild_an_id(example_round) -> None:  # type: ignore[no-untyped-def]
    import re

    plain, masked = example_round["st"], example_round["masked"]
    assert re.search(ID_RE, json.dumps(plain["problems"], ensure_ascii=False))  # the coordinator's own view has them
    assert not re.search(ID_RE, json.dumps(masked, ensure_ascii=False))
    assert not re.search(r"(?<![\d.])1[3-9]\d{9}(?!\d)", json.dumps(masked, ensure_ascii=False))  # a phone
    shown = {o["name"] for o in masked["outputs"]}
    assert "学校花名册_脱敏.xlsx" in shown and "学校花名册.xlsx" not in shown and "帮扶落实情况.xlsx" not in shown
    assert len(masked["problems"]) == len(plain["problems"])


def test_a_round_asked_masked_writes_no_unmasked_roster(tmp_path: Path) -> None:
    with client(tmp_path) as c:
        st = finished(c, upload(c, example_files(), mask="1").json()["id"])
        names = {o["name"] for o in st["outputs"]}
    assert st["state"] == "done" and st["mask"] is True
    assert "学校花名册_脱敏.xlsx" in names and "学校花名册.xlsx" not in names and "核对/校验汇总.xlsx" not in names


def test_the_pages_render_in_chinese(example_round) -> None:  # type: ignore[no-untyped-def]
    page = example_round["page"]
    assert page.status_code == 200 and "核对结果" in page.text and "/static/round.js" in page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert "cdn" not in page.text.lower() and "https://" not in page.text


@pytest.mark.parametrize("name", ["../round.json", "..%2fround.json", "%2e%2e%2fround.json", "inbox/三年级1班_帮扶台账.xlsx",
                                  "/etc/passwd", "%2fetc%2fpasswd", "发回各班/../../round.json", "..\\round.json",
                                  "核对/../../state.json"])
def test_no_file_outside_the_outputs_is_served(example_round, name: str) -> None:  # type: ignore[no-untyped-def]
    with client(example_round["work"]) as c:
        got = c.get(f"/api/rounds/{example_round['rid']}/files/{name}")
    assert got.status_code == 404


@pytest.mark.parametrize("rid", ["..", "..%2f..", "x" * 30, "%2e%2e", "rounds"])
def test_a_round_id_is_never_a_path(example_round, rid: str) -> None:  # type: ignore[no-untyped-def]
    with client(example_round["work"]) as c:
        assert c.get(f"/api/rounds/{rid}").status_code == 404
        assert c.get(f"/api/rounds/{rid}/files/学校花名册.xlsx").status_code == 404


def test_uploaded_names_are_never_paths(tmp_path: Path) -> None:
    data = (EXAMPLES / "inbox" / "三年级1班_帮扶台账.xlsx").read_bytes()
    sent = ["../../evil.xlsx", "..\\..\\win.xlsx", "/etc/cron.d/x.xlsx", "con.xlsx", "a\u202egpj.xlsx", ".hidden.xlsx",
            "三年级1班_帮扶台账.xlsx", "三年级1班_帮扶台账.xlsx"]
    with client(tmp_path) as c:
        answer = upload(c, [("files", (n, data)) for n in sent])
        st = finished(c, answer.json()["id"])
    folder = tmp_path / "rounds" / answer.json()["id"]
    saved = [f["name"] for f in read_json(folder / "round.json")["files"]]
    assert len(saved) == len(set(saved)) == len(sent)
    assert all("/" not in n and "\\" not in n and not n.startswith(".") and "\u202e" not in n for n in saved)
    assert sorted(p.name for p in (folder / "inbox").iterdir()) == sorted(saved)
    assert not (tmp_path / "evil.xlsx").exists() and not (tmp_path / "rounds" / "evil.xlsx").exists()
    assert st["state"] == "done" and st["files_total"] == len(sent)


def test_a_file_that_is_no_workbook_is_refused_with_the_reason(tmp_path: Path) -> None:
    with client(tmp_path) as c:
        st = finished(c, upload(c, [("files", ("说明.txt", "请查收".encode())),
                                    ("files", ("三年级1班.pdf", b"%PDF-1.4 ...")),
                                    *example_files()[:1]]).json()["id"])
    assert [r["name"] for r in st["refused"]] == ["说明.txt"]
    assert st["refused"][0]["why"].startswith("这是纯文本文件，不是表格，没有收入这一轮")
    statuses = {f["name"]: f["status"] for f in st["files"]}
    assert statuses["三年级1班.pdf"] == "unreadable"  # kept: the check answers it as the CLI does
    assert st["files_total"] == 2


def test_oversized_uploads_are_refused_with_the_limit(tmp_path: Path) -> None:
    small = Limits(file_bytes=30_000, round_bytes=200_000)
    with client(tmp_path, limits=small) as c:
        big = upload(c, [("files", ("三年级1班.xlsx", b"PK" + b"0" * 40_000))])
        assert big.status_code == 413 and "超过每个文件" in big.json()["error"]
        many = upload(c, [("files", (f"{i}.xlsx", b"PK" + b"0" * 25_000)) for i in range(9)])
        assert many.status_code == 413 and "上限" in many.json()["error"]
        huge = c.post("/api/rounds", content=b"x" * 2_000_000, headers={
            "X-CSRF-Token": c.get("/api/session").json()["csrf"], "content-type": "multipart/form-data; boundary=x"})
        assert huge.status_code == 413
    assert list((tmp_path / "rounds").iterdir()) == []  # nothing kept of a refused round


def test_posts_without_the_csrf_token_or_from_another_site_are_refused(tmp_path: Path) -> None:
    with client(tmp_path) as c:
        assert c.post("/api/rounds", files=example_files()[:1]).status_code == 403
        assert c.post("/api/rounds", files=example_files()[:1], headers={"X-CSRF-Token": "guess"}).status_code == 403
        token = c.get("/api/session").json()["csrf"]
        other = c.post("/api/rounds", files=example_files()[:1],
                       headers={"X-CSRF-Token": token, "Origin": "http://evil.example"})
        assert other.status_code == 403
    assert list((tmp_path / "rounds").iterdir()) == []


def test_a_local_page_answers_only_to_this_computers_names(tmp_path: Path) -> None:
    with client(tmp_path) as c:
        assert c.get("/", headers={"host": "127.0.0.1:8765"}).status_code == 200
        assert c.get("/", headers={"host": "attacker.example"}).status_code == 400  # a DNS-rebinding page


PASSWORD = "correct horse battery"


def _login(c, password: str = PASSWORD):  # type: ignore[no-untyped-def]
    token = c.get("/api/session").json()["csrf"]
    return c.post("/login", data={"password": password, "csrf_token": token}, follow_redirects=False)


def test_with_a_password_every_page_and_call_needs_a_login(tmp_path: Path) -> None:
    with client(tmp_path, password=PASSWORD, local_only=False) as c:
        assert c.get("/", follow_redirects=False).headers["location"] == "/login"
        assert c.get("/api/rounds").status_code == 401
        assert upload(c, example_files()[:1]).status_code == 401
        wrong = _login(c, "not it at all")
        assert wrong.status_code == 200 and "密码不对" in wrong.text
        before = c.cookies.get("rosterkit_session")
        ok = _login(c)
        assert ok.status_code == 303 and ok.headers["location"] == "/"
        cookie = ok.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("samesite", "SameSite")
        assert c.cookies.get("rosterkit_session") != before  # a new session id at login
        assert c.get("/api/rounds").status_code == 200


def test_failed_logins_are_rate_limited(tmp_path: Path) -> None:
    with client(tmp_path, password=PASSWORD, local_only=False) as c:
        for _ in range(5):
            assert "密码不对" in _login(c, "wrong password").text
        limited = _login(c)  # even the right one, until the window has passed
        assert limited.status_code == 200 and "次数过多" in limited.text
        assert c.get("/api/rounds").status_code == 401


def test_two_sessions_cannot_see_each_others_rounds(tmp_path: Path) -> None:
    rounds = Rounds(tmp_path, jobs=1)
    from starlette.testclient import TestClient

    from rosterkit.serve.app import make_app

    app = make_app(tmp_path, password=PASSWORD, rounds=rounds, local_only=False)
    try:
        with TestClient(app, base_url="http://127.0.0.1") as a, TestClient(app, base_url="http://127.0.0.1") as b:
            _login(a), _login(b)
            rid = upload(a, example_files()).json()["id"]
            st = finished(a, rid)
            assert st["state"] == "done"
            assert [r["id"] for r in a.get("/api/rounds").json()["rounds"]] == [rid]
            assert b.get("/api/rounds").json()["rounds"] == []
            assert b.get(f"/api/rounds/{rid}").status_code == 404
            assert b.get(st["outputs"][0]["url"]).status_code == 404
            assert "没有这一轮" in b.get(f"/rounds/{rid}").text
    finally:
        rounds.close()


def test_a_round_that_fails_says_why(tmp_path: Path) -> None:
    with client(tmp_path) as c:
        files = [*example_files()[:1], ("school_info", ("学校信息.xlsx", b"PK\x03\x04 not really"))]
        st = finished(c, upload(c, files).json()["id"])
    assert st["state"] == "failed" and st["message"] and "Traceback" not in st["message"]


def test_a_round_past_its_time_is_stopped(tmp_path: Path) -> None:
    with client(tmp_path, limits=Limits(round_seconds=0.3)) as c:
        st = finished(c, upload(c, example_files()).json()["id"])
    assert st["state"] == "failed" and "超过" in st["message"]


def test_old_rounds_are_deleted_and_rounds_a_restart_cut_short_say_so(tmp_path: Path) -> None:
    with client(tmp_path, limits=Limits(keep=__import__("datetime").timedelta(hours=1))) as c:
        rid = upload(c, example_files()[:2]).json()["id"]
        finished(c, rid)
        rounds = c.app.state.rounds  # type: ignore[attr-defined]
        assert rounds.sweep() == 0
        old = time.time() - 7200
        os.utime(tmp_path / "rounds" / rid, (old, old))
        assert rounds.sweep() == 1
        assert c.get(f"/api/rounds/{rid}").status_code == 404
    folder = tmp_path / "rounds" / "abcdefghijklmnopqrstuvwxyz"
    folder.mkdir()
    set_state(folder, "running")
    Rounds(tmp_path).close()  # a new server
    assert read_json(folder / "state.json")["state"] == "failed"
    assert "重启" in read_json(folder / "state.json")["message"]


@pytest.mark.parametrize(("args", "env", "says"), [
    (["--host", "0.0.0.0"], {}, "必须设密码"),
    (["--host", "0.0.0.0", "--password-file", "short.txt"], {}, "密码太短"),
    (["--host", "0.0.0.0", "--password-file", "missing.txt"], {}, "读不到密码文件"),
    (["--host", "0.0.0.0", "--store", "s.db"], {"ROSTERKIT_PASSWORD": PASSWORD}, "只能在本机"),
])
def test_serve_refuses_to_expose_the_data(tmp_path: Path, args: list[str], env: dict[str, str], says: str) -> None:
    (tmp_path / "short.txt").write_text("abc\n", encoding="utf-8")
    clean = {k: v for k, v in os.environ.items() if k != "ROSTERKIT_PASSWORD"}
    proc = subprocess.run([sys.executable, "-m", "rosterkit", "serve", "--folder", str(tmp_path / "w"), *args],
                          capture_output=True, text=True, timeout=60, cwd=tmp_path, env={**clean, **env})
    assert proc.returncode == 2 and says in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "w").exists()


def test_with_a_store_the_page_shows_the_rounds_what_changed_and_a_students_file(tmp_path: Path) -> None:
    store = tmp_path / "帮扶存档.db"
    files = example_files()
    with client(tmp_path / "w", store=store) as c:
        assert c.get("/api/store/changes").json()["changes"] is None
        first = finished(c, upload(c, files, as_of="2026-11-16").json()["id"])
        gone = "三年级1班_帮扶台账.xlsx"
        second = finished(c, upload(c, [f for f in files if f[1][0] != gone]).json()["id"])
        assert first["state"] == second["state"] == "done"
        assert second["summary"]["store"]["previous"] == "2026-11-16" and "path" in second["summary"]["store"]
        rounds = c.get("/api/store/rounds").json()["rounds"]
        changes = c.get("/api/store/changes").json()["changes"]
        masked = c.get("/api/store/changes?mask=1").json()["changes"]
        dossier = c.get("/api/store/dossier", params={"class": "三年级2班"})
        unknown = c.get("/api/store/dossier", params={"id": "430121201001010000"})
        page = c.get("/history")
    assert [r["report_date"] for r in rounds] == ["2026-11-23", "2026-11-16"]
    assert changes["before"] == "2026-11-16" and changes["after"] == "2026-11-23"
    assert {s["class"] for s in changes["left"]} == {"三年级1班"} and changes["added"] == []
    assert len(masked["left"]) == len(changes["left"])
    import re
    assert re.search(ID_RE, json.dumps(changes, ensure_ascii=False))
    assert not re.search(ID_RE, json.dumps(masked, ensure_ascii=False))
    from urllib.parse import unquote

    from rosterkit import open_store

    assert dossier.status_code == 200
    assert unquote(dossier.headers["content-disposition"].split("''")[1]) == "三年级2班_一生一档.xlsx"
    with open_store(store) as s:
        latest = s.students[s.students["report_date"] == "2026-11-23"]
        names = sorted(latest[latest["class"] == "2班"].query("grade == '三年级'")["name"])
    wb = openpyxl.load_workbook(io.BytesIO(dossier.content))
    assert len(wb.worksheets) == len(names) > 0  # a sheet per student of the class
    assert all(ws.page_setup.orientation == "portrait" for ws in wb.worksheets)
    assert unknown.status_code == 404 and "430121201001010000" in unknown.json()["error"]
    assert page.status_code == 200 and "一生一档" in page.text


def test_the_server_keeps_answering_while_a_round_runs(tmp_path: Path) -> None:
    with client(tmp_path) as c:
        rid = upload(c, example_files()).json()["id"]
        answers = []
        while (st := c.get(f"/api/rounds/{rid}").json())["state"] in ("queued", "running"):
            t0 = time.monotonic()
            page = c.get("/")
            answers.append((page.status_code, time.monotonic() - t0))
            time.sleep(0.05)
    assert st["state"] == "done" and answers  # asked at least once before the round was done
    assert all(code == 200 and took < 1.0 for code, took in answers)
