"""A real browser: serve the app on loopback and use it in headless Chromium.

Change a parameter, run, read the headline, open Compare, download the Excel
workbook and check its sheets; open the Frontier page and the diagnosis of the
tight scenario; a screenshot of each page goes to test-artifacts/.
Chromium is Debian's (``.ci/run`` installs it); a missing browser fails the test.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pandas as pd
import pytest

from model import load_scenario, solve
from model.analysis.diagnosis import extra_ceiling

from .conftest import DEFAULT, ROOT, SCENARIOS

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serve_app(folder: Path, **env_extra: str):
    """``streamlit run app.py`` on a free loopback port (its log in ``folder``), stopped by its PID."""
    port = free_port()
    env = dict(os.environ, STREAMLIT_BROWSER_GATHER_USAGE_STATS="false", **env_extra)
    log_path = folder / "server.log"
    log = log_path.open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.address", "127.0.0.1",
         "--server.port", str(port), "--server.headless", "true", "--server.fileWatcherType", "none"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 90
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if process.poll() is not None or time.time() > deadline:
                log.flush()
                pytest.fail(f"streamlit did not start: {log_path.read_text(errors='replace')[-2000:]}")
            time.sleep(0.5)
        yield url
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with serve_app(tmp_path_factory.mktemp("streamlit")) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail("chromium is not installed: .ci/run installs it (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


#: What the status widget shows while the script runs ("Running…" in older Streamlit, a
#: "Stop" button in 1.67).
RUNNING = re.compile("Running|Stop")


def wait_until_idle(page, timeout_s: float = 180) -> None:
    """Wait for the script to finish (the status widget shows while it runs) and the charts to draw."""
    deadline = time.time() + timeout_s
    page.wait_for_selector("h1", timeout=timeout_s * 1000)
    quiet = 0
    while quiet < 4:
        if time.time() > deadline:
            raise AssertionError("the app kept running")
        running = page.locator('[data-testid="stStatusWidget"]').filter(has_text=RUNNING).count()
        quiet = quiet + 1 if running == 0 else 0
        time.sleep(0.4)
    charts = page.locator('[data-testid="stVegaLiteChart"]')
    for i in range(charts.count()):
        charts.nth(i).locator("canvas, svg").first.wait_for(timeout=30_000)
    time.sleep(0.5)


def shoot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def find_metric(page, label_start: str) -> str | None:
    """The value of the headline metric whose label starts so, or None when it is not drawn."""
    metrics = page.locator('[data-testid="stMetric"]')
    for i in range(metrics.count()):
        m = metrics.nth(i)
        if m.locator('[data-testid="stMetricLabel"]').inner_text().strip().startswith(label_start):
            return m.locator('[data-testid="stMetricValue"]').inner_text().strip()
    return None


def metric_value(page, label_start: str) -> str:
    value = find_metric(page, label_start)
    if value is None:
        shoot(page, "no-metric")
        labels = page.locator('[data-testid="stMetricLabel"]').all_inner_texts()
        raise AssertionError(f"no metric {label_start!r} among {labels}")
    return value


def settled_metric(page, label_start: str, timeout_s: float = 180) -> str:
    """The metric's value once the run has ended and the metric is drawn.

    Under load the browser can still be drawing the page's elements after the status
    widget has gone (the first check of the metrics may see only a few of them): poll
    until the run is over and the metric is there, twice in a row with the same value.
    """
    deadline = time.time() + timeout_s
    last = None
    while True:
        running = page.locator('[data-testid="stStatusWidget"]').filter(has_text=RUNNING).count()
        value = None if running else find_metric(page, label_start)
        if value is not None and value == last:
            return value
        last = value
        if time.time() > deadline:
            return metric_value(page, label_start)
        time.sleep(0.5)


def open_page(page, title: str) -> None:
    page.locator('[data-testid="stSidebarNav"]').get_by_text(title, exact=True).click()
    wait_until_idle(page)


def test_analyst_changes_a_ceiling_runs_compares_and_downloads(server, browser, default_result):
    page = browser.new_page(viewport={"width": 1400, "height": 2600}, accept_downloads=True)
    page.goto(server)
    wait_until_idle(page)
    assert metric_value(page, "City transfers") == f"{default_result.money.transfers_yuan.sum() / 1e4:,.0f}"
    shoot(page, "results-default")

    open_page(page, "Scenario")
    shoot(page, "scenario")
    ceiling_2007 = page.get_by_label("2007").first  # the first yearly row is the transfer ceiling
    ceiling_2007.fill("3000")
    page.get_by_role("button", name="Apply and run").click()
    wait_until_idle(page)
    assert page.get_by_text("Applied: 1 value(s) differ from the file.").count() == 1
    assert "set=city.ceiling_yuan.2007" in page.url

    # the edited scenario downloads as files and uploads back as the same scenario
    with page.expect_download() as info:
        page.get_by_role("button", name="Download the scenario (zip)").click()
    bundle = ARTIFACTS / "scenario.zip"
    info.value.save_as(bundle)
    page.get_by_text("Upload a scenario (TOML + CSV, or one zip)").first.click()
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(bundle))
    wait_until_idle(page)
    page.get_by_role("button", name="Load the uploaded files").click()
    wait_until_idle(page)
    assert page.get_by_text("Loaded tianjin-2006-default.toml.").count() == 1

    open_page(page, "Results")
    expected = solve(load_scenario(DEFAULT, {"city.ceiling_yuan.2007": 3e7}))
    assert metric_value(page, "City transfers") == f"{expected.money.transfers_yuan.sum() / 1e4:,.0f}"
    assert page.get_by_text("What changed since the previous run").count() == 1
    shoot(page, "results-after-change")

    open_page(page, "Compare")
    assert page.get_by_text("Headline figures side by side").count() == 1
    shoot(page, "compare")
    with page.expect_download() as info:
        page.get_by_role("button", name="Download all tables (Excel)").click()
    path = ARTIFACTS / "compare.xlsx"
    info.value.save_as(path)
    sheets = pd.read_excel(io.BytesIO(path.read_bytes()), sheet_name=None)
    assert list(sheets) == ["headline", "differences", "districts", "programs", "inputs"]
    # the change per district and program adds up to each district's change
    by_program = sheets["programs"].groupby("district")["transfers_change_yuan"].sum()
    by_district = sheets["districts"].set_index("district")["transfers_change_yuan"]
    assert by_program.reindex(by_district.index).to_numpy() == pytest.approx(by_district.to_numpy(), abs=1e-3)
    inputs = sheets["inputs"].set_index("key")
    assert inputs.loc["city.ceiling_yuan.2007"].iloc[1:].tolist() == [30_000_000, 27_000_000]
    headline = sheets["headline"].set_index("metric")
    assert headline.loc["transfers_yuan"].iloc[0] == pytest.approx(expected.money.transfers_yuan.sum())

    open_page(page, "Method")
    shoot(page, "method")
    page.get_by_text("中文", exact=True).click()
    wait_until_idle(page)
    assert page.locator("h1").first.inner_text().strip() == "方法"
    open_page(page, "结果")
    shoot(page, "results-zh")
    page.close()


def test_a_shared_link_opens_the_same_view(server, browser):
    page = browser.new_page(viewport={"width": 1400, "height": 1600})
    page.goto(f"{server}/compare?compare=tianjin-2006.toml&compare=tianjin-2006-tight-ceiling.toml&lang=zh")
    wait_until_idle(page)
    assert page.locator("h1").first.inner_text().strip() == "比较"
    assert page.get_by_text("Tianjin 2006, tight ceiling (0.02 % of revenue)").count() >= 1
    page.goto(f"{server}/?lang=xx")
    wait_until_idle(page)
    assert page.get_by_text("Some of the link could not be used").count() == 1
    shoot(page, "bad-link")
    page.close()


def test_the_frontier_and_the_diagnosis_in_a_browser(server, browser):
    page = browser.new_page(viewport={"width": 1400, "height": 3200})
    page.goto(f"{server}/frontier")
    wait_until_idle(page)
    assert page.locator("h1").first.inner_text().strip() == "Budget frontier: Tianjin 2006 (default)"
    assert page.locator('[data-testid="stVegaLiteChart"]').count() == 3  # points, missing money, compliance
    assert page.get_by_text("Breakpoints", exact=True).count() == 1
    shoot(page, "frontier")
    page.get_by_text("中文", exact=True).click()
    wait_until_idle(page)
    assert page.locator("h1").first.inner_text().strip().startswith("预算前沿")
    shoot(page, "frontier-zh")

    tight = "tianjin-2006-tight-ceiling.toml"
    page.goto(f"{server}/?scenario={tight}")
    wait_until_idle(page)
    assert page.get_by_text("Why, and what would fix it", exact=True).count() == 1
    extra, _ = extra_ceiling(load_scenario(SCENARIOS / tight))
    assert metric_value(page, "Least extra ceiling that meets them") == f"{sum(extra.values()) / 1e4:,.0f}"
    shoot(page, "results-tight-diagnosis")
    page.get_by_role("button", name="Compute the analysis").click()
    wait_until_idle(page)
    assert page.get_by_text("Price of each year's ceiling, and where it holds", exact=True).count() == 1
    shoot(page, "results-tight-analysis")
    page.close()


def test_eight_sessions_at_once_each_see_only_their_own_scenario(server, browser):
    """Eight browser sessions open their links at the same moment; each shows its own numbers."""
    from .test_app_load import SESSIONS

    contexts, pages = [], []
    for name, ceiling in SESSIONS:
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        page = context.new_page()
        query = (f"scenario={name}&" if name != "tianjin-2006.toml" else "") + f"set=city.ceiling_yuan.2007={ceiling}"
        page.goto(f"{server}/?{query}", wait_until="commit")
        contexts.append(context)
        pages.append(page)
    try:
        for (name, ceiling), page in zip(SESSIONS, pages):
            # The headline is drawn before the charts: wait for it and for the run to end, not for every chart.
            page.locator('[data-testid="stMetric"]').first.wait_for(timeout=180_000)
            expected = solve(load_scenario(SCENARIOS / name, {"city.ceiling_yuan.2007": ceiling}))
            shown = settled_metric(page, "City transfers (10k yuan)")
            assert shown == f"{expected.money.transfers_yuan.sum() / 1e4:,.0f}"
            assert page.locator('[data-testid="stException"]').count() == 0
    finally:
        for context in contexts:
            context.close()


def grid_rows(page, nth: int = 0) -> list[list[str]]:
    """The rows of the page's ``nth`` table as the grid's accessible table gives them (the
    columns in view), header row first."""
    grid = page.locator('[data-testid="stDataFrame"] table[role="grid"]').nth(nth)
    header = grid.locator("thead th").all_inner_texts()
    return [header] + [row.locator("td").all_inner_texts() for row in grid.locator("tbody tr").all()]


def headline(page) -> dict[str, str]:
    """Every metric on the page: label -> value, once the run has ended."""
    wait_until_idle(page)
    labels = page.locator('[data-testid="stMetricLabel"]').all_inner_texts()
    values = page.locator('[data-testid="stMetricValue"]').all_inner_texts()
    return {label.strip(): value.strip() for label, value in zip(labels, values)}


def test_a_new_user_finds_every_run_in_history_and_shares_the_first(store_url, browser, default_result, tmp_path):
    """Issue 12's walk-through, on SQLite and on PostgreSQL: the default scenario run twice
    from the command line and once in the app; after a reload History lists the three
    runs newest first; the first opens as it was recorded, and its link shows the same
    figures in a second browser."""
    env = dict(os.environ, BUDGETSIM_DB=store_url)
    for _ in range(2):
        done = subprocess.run([sys.executable, "-m", "model.cli", "run", str(DEFAULT)], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
    expected_transfers = f"{default_result.money.transfers_yuan.sum() / 1e4:,.0f}"

    with serve_app(tmp_path, BUDGETSIM_DB=store_url) as url:
        first = browser.new_context(viewport={"width": 1400, "height": 1000})
        page = first.new_page()
        page.goto(url)
        wait_until_idle(page)
        assert settled_metric(page, "City transfers") == expected_transfers  # the app's own solve, recorded
        page.reload()
        wait_until_idle(page)
        open_page(page, "History")
        assert "Runs 1–3 of 3" in page.locator('[data-testid="stCaptionContainer"]').all_inner_texts()
        header, *rows = grid_rows(page)
        assert header[:3] == ["Run", "Recorded (UTC)", "From"]
        assert [(row[0], row[2]) for row in rows] == [("3", "app"), ("2", "command line"), ("1", "command line")]
        assert all(row[4] == "Tianjin 2006 (default)" for row in rows)
        shoot(page, "history-three-runs")

        # Open the first run: the Run page reads it from the store, as recorded.
        page.locator('[data-testid="stMultiSelect"]').first.click()
        page.get_by_role("option", name=re.compile(r"^#1 · ")).click()
        page.keyboard.press("Escape")
        wait_until_idle(page)
        page.locator('[data-testid="stButton"] button').filter(has_text=re.compile(r"Open$")).click()
        page.get_by_role("heading", name=re.compile(r"^Run #1: Tianjin 2006 \(default\)")).wait_for(timeout=60_000)
        page.wait_for_url(re.compile(r"run=1(&|$)"), timeout=30_000)
        recorded = headline(page)
        assert recorded[next(k for k in recorded if k.startswith("City transfers"))] == expected_transfers
        shoot(page, "run-1-as-recorded")
        link = page.url
        first.close()

        # The link, in a second browser (a new profile: no cookies, no session).
        second = browser.new_context(viewport={"width": 1400, "height": 1000})
        shared = second.new_page()
        shared.goto(link)
        shared.get_by_role("heading", name=re.compile(r"^Run #1: Tianjin 2006 \(default\)")).wait_for(timeout=60_000)
        assert headline(shared) == recorded
        assert shared.locator('[data-testid="stException"]').count() == 0
        second.close()


def test_a_national_scenario_shows_sums_first_and_one_page_of_communities(browser, tmp_path):
    """Issue 14's app at scale, in Chromium: a scenario of as many communities as the solve
    decomposes, saved in the store and opened by its link, shows the allocation summed by
    province and by district, then one district's communities, a page at a time."""
    from model.constants import DECOMPOSE_FROM
    from model.io import write_files
    from model.results.national import PAGE_SIZE, district_summary, province_summary
    from model.scenario.national import generate
    from model.store import Store

    write_files(tmp_path / "national", generate(DECOMPOSE_FROM, 3))
    scenario = load_scenario(tmp_path / "national" / "national.toml")
    store = tmp_path / "store.sqlite"
    with Store.open(store) as opened:
        sha = opened.save_scenario(scenario, "national").sha256
    result = solve(scenario, status_quo=False, record=False)  # the figures, solved here on their own
    districts = district_summary(result, scenario)
    provinces = province_summary(result, scenario, districts)
    with serve_app(tmp_path, BUDGETSIM_DB=str(store)) as url:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(f"{url}/?scenario=store:{sha}")
        page.get_by_role("heading", name="By province and district").wait_for(timeout=300_000)
        wait_until_idle(page, 300)
        assert page.locator('[data-testid="stException"]').count() == 0
        count = page.locator('[data-testid="stDataFrame"]').count()
        header, first, *_ = grid_rows(page, count - 3)  # the national view's three tables come last
        assert header[:5] == ["province", "districts", "communities", "own spending (10k yuan)", "transfers (10k yuan)"]
        top = provinces.iloc[0]
        # The accessible table carries the values (the grid draws them to one decimal).
        assert first[:3] == [top["province"], str(top["districts"]), str(top["communities"])]
        assert [float(v) for v in first[3:5]] == pytest.approx([top["own_yuan"] / 1e4, top["transfer_yuan"] / 1e4])
        header, first, *_ = grid_rows(page, count - 2)
        district = districts.iloc[0]
        assert first[:2] == [district["province"], scenario.districts.at[district["district"], "name_en"]]
        rows = grid_rows(page, count - 1)
        assert rows[0][0] == "unit" and 1 <= len(rows) - 1 <= PAGE_SIZE  # one page, never the whole allocation
        assert {row[0].rsplit("-", 1)[0] for row in rows[1:]} == {district["district"]}
        page.get_by_role("heading", name="By province and district").scroll_into_view_if_needed()
        shoot(page, "national-view")
        page.close()
