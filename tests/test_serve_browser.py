"""The page in a real browser (issue 18): Debian's Chromium, headless, driven by Selenium against `rosterkit serve`
started as a coordinator starts it. Upload the example school, watch the progress, read the results table,
switch to the 脱敏 view, download 学校花名册 and open it. The screenshots in the README are taken here
(``ROSTERKIT_SCREENSHOTS=docs/img pytest tests/test_serve_browser.py``)."""

from __future__ import annotations

import io
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from serving import AS_OF, EXAMPLES

CHROMIUM, DRIVER = shutil.which("chromium") or "/usr/bin/chromium", shutil.which("chromedriver") or "/usr/bin/chromedriver"
HAVE = Path(CHROMIUM).exists() and Path(DRIVER).exists()
if not HAVE and os.environ.get("CI"):
    raise RuntimeError("CI must install Debian's chromium and chromium-driver (.ci/run does): the browser test is not optional there")
pytestmark = pytest.mark.skipif(not HAVE, reason="Chromium is not installed here (apt-get install chromium chromium-driver)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def _serving(work: Path, *args: str) -> Iterator[str]:
    """`rosterkit serve` on a free port, as a coordinator runs it; its URL."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k != "ROSTERKIT_PASSWORD"}
    proc = subprocess.Popen([sys.executable, "-m", "rosterkit", "serve", "--folder", str(work / "w"), "--port",
                             str(port), *args], cwd=work, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    end = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"{url}/api/session", timeout=2).read()
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > end:
                out, err = proc.communicate(timeout=5)
                raise AssertionError(f"rosterkit serve did not start: {err.decode()[-2000:]}") from None
            time.sleep(0.2)
    try:
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """No password, 127.0.0.1: the default."""
    with _serving(tmp_path_factory.mktemp("served"), "-j", "2") as url:
        yield url


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    downloads = tmp_path_factory.mktemp("downloads")
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    # as the machine's notes say: no sandbox as root, and nothing that calls out to Google's hosts
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--window-size=1280,1000", "--lang=zh-CN",
                f"--user-data-dir={tmp_path_factory.mktemp('profile')}"):
        opts.add_argument(arg)
    opts.add_experimental_option("prefs", {"download.default_directory": str(downloads),
                                           "download.prompt_for_download": False})
    driver = webdriver.Chrome(service=Service(DRIVER), options=opts)
    driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    driver.downloads = downloads
    try:
        yield driver
    finally:
        driver.quit()


def _shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("ROSTERKIT_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _round_done(browser: Any) -> None:
    """Wait until the round's page has landed and says the round is over (done or failed)."""
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(browser, 30).until(lambda d: "/rounds/" in d.current_url)

    def ready(d: Any) -> bool:
        return d.find_element(By.TAG_NAME, "body").get_attribute("data-ready") == "1"
    # a node read while the page is still being replaced: read again
    WebDriverWait(browser, 180, poll_frequency=0.1, ignored_exceptions=(WebDriverException,)).until(ready)


def _api(url: str) -> Any:
    return json.loads(urllib.request.urlopen(url, timeout=30).read())


def test_a_coordinator_checks_the_example_school_in_the_browser(server: str, browser: Any, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select, WebDriverWait

    shots = _shots(tmp_path)
    browser.get(server + "/")
    assert "核对一轮交回的台账" in browser.page_source
    inbox = sorted((EXAMPLES / "inbox").iterdir())
    browser.find_element(By.ID, "files").send_keys("\n".join(str(p) for p in inbox))
    browser.find_element(By.ID, "school_info").send_keys(str(EXAMPLES / "学校信息.xlsx"))
    browser.execute_script("arguments[0].value = arguments[1]", browser.find_element(By.ID, "as_of"), AS_OF)
    chosen = [li.text for li in browser.find_elements(By.CSS_SELECTOR, "#chosen li")]
    assert chosen == [p.name for p in inbox]
    browser.save_screenshot(str(shots / "serve_start.png"))

    browser.find_element(By.ID, "go").click()
    _round_done(browser)
    assert browser.find_element(By.ID, "state").text == "已完成"
    rid = browser.current_url.rsplit("/", 1)[-1]
    st = _api(f"{server}/api/rounds/{rid}")

    # progress: every file with its status, as the API says
    files = [li.text for li in browser.find_elements(By.CSS_SELECTOR, "#files li")]
    assert len(files) == 6 and sum("有问题" in f for f in files) == st["summary"]["problems"] == 3
    assert "已核对 6 / 6 个文件" in browser.find_element(By.ID, "counts").text
    # the summary and the table
    summary = browser.find_element(By.ID, "summary").text
    assert "六年级2班" in summary and f"{st['summary']['roster_rows']} 行" in summary
    rows = browser.find_elements(By.CSS_SELECTOR, "#problems tbody tr")
    assert len(rows) == len(st["problems"]) == 9
    Select(browser.find_element(By.ID, "filter-class")).select_by_visible_text("三年级2班")
    mine = [p for p in st["problems"] if p["class"] == "三年级2班"]
    shown = browser.find_elements(By.CSS_SELECTOR, "#problems tbody tr")
    assert len(shown) == len(mine) > 0
    assert {r.find_elements(By.TAG_NAME, "td")[3].text for r in shown} == {p["cell"] for p in mine}
    Select(browser.find_element(By.ID, "filter-class")).select_by_index(0)
    browser.find_element(By.CSS_SELECTOR, "#problems th[data-key=code]").click()  # sort by 问题代码
    codes = [r.find_elements(By.TAG_NAME, "td")[6].text for r in browser.find_elements(By.CSS_SELECTOR, "#problems tbody tr")]
    assert codes == sorted(codes) and len(codes) == 9
    browser.set_window_size(1280, 1900)
    browser.save_screenshot(str(shots / "serve_results.png"))
    browser.set_window_size(1280, 1000)

    # download 学校花名册 and open it: the very workbook the API serves
    link = browser.find_element(By.LINK_TEXT, "学校花名册.xlsx")
    link.click()
    target = browser.downloads / "学校花名册.xlsx"
    end = time.monotonic() + 30
    while not target.exists() and time.monotonic() < end:
        time.sleep(0.2)
    served = urllib.request.urlopen(server + link.get_attribute("href").split(server, 1)[-1], timeout=30).read()
    got = openpyxl.load_workbook(target, read_only=True)
    want = openpyxl.load_workbook(io.BytesIO(served), read_only=True)
    assert [list(ws.values) for ws in got.worksheets] == [list(ws.values) for ws in want.worksheets]
    assert got.sheetnames[0] and got.worksheets[0].max_row >= st["summary"]["roster_rows"]

    # the 脱敏 switch: masked workbooks only, and no ID number left on the page
    browser.find_element(By.ID, "masked").click()
    WebDriverWait(browser, 10).until(lambda d: d.find_elements(By.LINK_TEXT, "学校花名册_脱敏.xlsx"))
    assert not browser.find_elements(By.LINK_TEXT, "学校花名册.xlsx")
    import re
    assert not re.search(r"\d{17}[\dX]", browser.find_element(By.ID, "results").text)


def test_with_a_password_the_browser_logs_in_and_out(browser: Any, tmp_path: Path) -> None:
    """The login form posts from the page itself (the Origin the browser sends must pass the same-site check)."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    (tmp_path / "pw.txt").write_text("correct horse battery\n", encoding="utf-8")
    with _serving(tmp_path, "--password-file", str(tmp_path / "pw.txt")) as url:
        def at(path: str) -> None:  # a click's navigation has landed there
            WebDriverWait(browser, 10).until(lambda d: d.current_url == url + path)
        browser.get(url + "/")
        at("/login")
        assert not browser.find_elements(By.LINK_TEXT, "新一轮")
        browser.find_element(By.NAME, "password").send_keys("not the password")
        browser.find_element(By.CSS_SELECTOR, "main form button").click()
        WebDriverWait(browser, 10).until(lambda d: d.find_elements(By.ID, "login-error"))
        assert browser.find_element(By.ID, "login-error").text == "密码不对，请重新输入"
        browser.find_element(By.NAME, "password").send_keys("correct horse battery")
        browser.find_element(By.CSS_SELECTOR, "main form button").click()
        at("/")
        assert "核对一轮交回的台账" in browser.page_source
        browser.find_element(By.CSS_SELECTOR, "header form button").click()  # 退出
        at("/login")
        browser.get(url + "/")
        at("/login")


def test_with_a_store_the_history_page_shows_the_round_and_downloads_a_classs_file(browser: Any, tmp_path: Path
                                                                                      ) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    from rosterkit import open_store

    store = tmp_path / "帮扶存档.db"
    with _serving(tmp_path, "--store", str(store)) as url:
        browser.get(url + "/")
        browser.find_element(By.ID, "files").send_keys("\n".join(str(p) for p in sorted((EXAMPLES / "inbox").iterdir())))
        browser.execute_script("arguments[0].value = arguments[1]", browser.find_element(By.ID, "as_of"), AS_OF)
        browser.find_element(By.ID, "go").click()
        _round_done(browser)
        assert "已存入 2026-11-23 这一轮" in browser.find_element(By.ID, "summary").text
        browser.find_element(By.LINK_TEXT, "存档与变动").click()
        WebDriverWait(browser, 20).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#store-rounds tbody tr"))
        cells = [td.text for td in browser.find_elements(By.CSS_SELECTOR, "#store-rounds tbody td")]
        assert cells[0] == AS_OF and len(browser.find_elements(By.CSS_SELECTOR, "#store-rounds tbody tr")) == 1
        WebDriverWait(browser, 20).until(lambda d: d.find_element(By.ID, "changes-none").text)
        assert "还不到两轮" in browser.find_element(By.ID, "changes-none").text
        browser.find_element(By.NAME, "class").send_keys("三年级2班")
        browser.find_element(By.CSS_SELECTOR, "#dossier button").click()
        target = browser.downloads / "三年级2班_一生一档.xlsx"
        end = time.monotonic() + 30
        while not target.exists() and time.monotonic() < end:
            time.sleep(0.2)
        with open_store(store) as s:
            students = s.students.query("grade == '三年级' and `class` == '2班'")
        assert len(openpyxl.load_workbook(target).worksheets) == len(students) > 0
        browser.find_element(By.NAME, "class").clear()
        browser.find_element(By.NAME, "id").send_keys("430121201001010000")
        browser.find_element(By.CSS_SELECTOR, "#dossier button").click()
        WebDriverWait(browser, 10).until(lambda d: d.find_element(By.ID, "dossier-error").is_displayed())
        assert "430121201001010000" in browser.find_element(By.ID, "dossier-error").text
