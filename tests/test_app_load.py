"""The app under load and at its edges: eight sessions at once, each with its own scenario,
never see each other's state; the upload limit is set for the server and enforced in code;
the server listens on loopback unless told otherwise."""

from __future__ import annotations

import tomllib

from streamlit.testing.v1 import AppTest

from model import load_scenario, solve
from model.scenario.text import MAX_UPLOAD_BYTES

from .conftest import ROOT, SCENARIOS
from .test_app import APP, go, metric, ok, wan

#: Eight sessions: four shipped scenarios, each at two 2007 ceilings (yuan), all different.
SESSIONS = [(name, 15_000_000 + 3_000_000 * (2 * i + j))
            for i, name in enumerate(("tianjin-2006.toml", "tianjin-2006-tight-ceiling.toml",
                                      "tianjin-2006-higher-operating.toml", "tianjin-2006-uncertain.toml"))
            for j in range(2)]


def test_the_server_listens_on_loopback_with_the_codes_upload_limit():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["server"]["address"] == "127.0.0.1"
    assert config["server"]["maxUploadSize"] * 2**20 == MAX_UPLOAD_BYTES
    assert config["server"]["enableXsrfProtection"] is True
    assert "--server.address 127.0.0.1" in (ROOT / "Makefile").read_text(encoding="utf-8")


def test_an_upload_over_the_limit_is_refused_by_the_app_itself():
    at = AppTest.from_file(APP, default_timeout=120)
    at = go(ok(at.run()), "scenario")
    big = b"id\n" + b"x" * MAX_UPLOAD_BYTES
    at.file_uploader(key="uploader").set_value([("big.csv", big, "text/csv")]).run()
    ok(at)
    text = " ".join(str(e.value) for e in at.error) + " ".join(str(d.value) for d in at.dataframe)
    assert "is larger than 20 MB" in text
    assert at.session_state["uploads"] == {}


def test_eight_sessions_side_by_side_each_see_only_their_own_scenario():
    """Eight sessions in one process, sharing the model's caches, run in turns: each
    shows its own scenario's numbers before and after the others ran. (Run at once in
    threads, AppTest itself breaks: its script runs share state. tests/test_browser.py
    opens eight sessions of a real server at once.)"""
    expected = {(name, ceiling): solve(load_scenario(SCENARIOS / name, {"city.ceiling_yuan.2007": ceiling}))
                for name, ceiling in SESSIONS}
    assert len({round(r.money.transfers_yuan.sum()) for r in expected.values()}) == len(SESSIONS)
    sessions = {}
    for name, ceiling in SESSIONS:
        at = AppTest.from_file(APP, default_timeout=300)
        if name != "tianjin-2006.toml":
            at.query_params["scenario"] = name
        at.query_params["set"] = f"city.ceiling_yuan.2007={ceiling}"
        sessions[(name, ceiling)] = ok(at.run())
    first = {key: metric(at, "City transfers (10k yuan)").value for key, at in sessions.items()}
    for key, at in sessions.items():  # each again, after all the others
        go(go(at, "scenario"), "results")
    for key, at in sessions.items():
        money = wan(expected[key].money.transfers_yuan.sum())
        ref = at.session_state["current_ref"]
        assert (first[key], metric(at, "City transfers (10k yuan)").value) == (money, money), key
        assert (ref.base, ref.override_values()) == (key[0], {"city.ceiling_yuan.2007": key[1]})
