"""Scenarios from an upload or a link name only files of their own upload (or the shipped
ones), never a path on the machine; zips are checked before anything is unpacked."""

from __future__ import annotations

import io
import stat
import warnings
import zipfile

import pytest

from model.errors import ScenarioError
from model.io import scenario_files
from model.scenario.keys import untrusted_path_rule
from model.scenario.links import parse_overrides
from model.scenario.text import MAX_UPLOAD_BYTES, MAX_ZIP_ENTRIES, load_upload, read_uploads

from .conftest import FIXTURES

HAND = {p.name: p.read_text(encoding="utf-8") for p in (FIXTURES / "hand").iterdir()}


@pytest.mark.parametrize("path, rule", [
    ("/etc/passwd", "must name a file inside the upload, not an absolute path, got '/etc/passwd'"),
    ("../secret.csv", "must name a file inside the upload, without '..', got '../secret.csv'"),
    ("data/../../x.csv", "must name a file inside the upload, without '..', got 'data/../../x.csv'"),
    ("C:\\x.csv", "must name a file inside the upload, not an absolute path, got 'C:\\\\x.csv'"),
    ("\\\\server\\share\\x.csv", "must name a file inside the upload, not an absolute path, "
                                  "got '\\\\\\\\server\\\\share\\\\x.csv'"),
    ("data\\x.csv", "must separate folders with /, not \\, got 'data\\\\x.csv'"),
    ("x\x00.csv", "must be a file name without control characters, got 'x\\x00.csv'"),
])
def test_paths_that_leave_the_upload_are_named_with_the_rule(path, rule):
    assert untrusted_path_rule(path) == rule


@pytest.mark.parametrize("path", ["hand-districts.csv", "data/hand-districts.csv", "./a.csv", "a..b.csv", 42])
def test_paths_inside_the_upload_pass(path):
    assert untrusted_path_rule(path) is None


@pytest.mark.parametrize("key, line, value", [
    ("scenario.districts", 'districts = "hand-districts.csv"', "/etc/passwd"),
    ("scenario.districts", 'districts = "hand-districts.csv"', "../../etc/passwd"),
    ("scenario.units", 'districts = "hand-districts.csv"', "/proc/self/environ"),
])
def test_an_uploaded_scenario_naming_a_path_outside_is_refused_before_reading(key, line, value):
    files = dict(HAND)
    new = f'districts = "{value}"' if key == "scenario.districts" else f'{line}\nunits = "{value}"'
    files["hand.toml"] = files["hand.toml"].replace(line, new)
    with pytest.raises(ScenarioError) as caught:
        load_upload("hand.toml", files)
    [problem] = caught.value.problems
    assert (problem.file, problem.where) == ("hand.toml", key)
    assert problem.rule == untrusted_path_rule(value)


def test_an_uploaded_variant_may_not_climb_to_its_base():
    files = {"sub/v.toml": 'base = "../hand.toml"\n', **HAND}
    with pytest.raises(ScenarioError) as caught:
        load_upload("sub/v.toml", files)
    assert [str(p) for p in caught.value.problems] == [
        "sub/v.toml: base: must name a file inside the upload, without '..', got '../hand.toml'"]


def test_a_valid_upload_loads_and_a_variant_of_a_shipped_scenario_too():
    scenario = load_upload("hand.toml", HAND)
    assert scenario.district_ids == ["alpha", "beta"]
    variant = {"mine.toml": 'base = "tianjin-2006.toml"\n\n[city]\nceiling_yuan = { 2007 = 1_000_000 }\n\n'
                            '[sources]\n"city.ceiling_yuan" = "assumption: a test"\n'}
    loaded = load_upload("mine.toml", variant, shipped=scenario_files())
    assert loaded.by_year("city.ceiling_yuan")[2007] == 1_000_000
    assert len(loaded.districts) == 18


def test_a_link_cannot_point_a_scenario_at_a_path():
    values, problems = parse_overrides(['scenario.districts="/etc/passwd"', 'scenario.units="../x.csv"',
                                        'scenario.districts="tianjin-2006-districts.csv"'], "set")
    assert [str(p) for p in problems] == [
        "link: set scenario.districts: must name a file inside the upload, not an absolute path, got '/etc/passwd'",
        "link: set scenario.units: must name a file inside the upload, without '..', got '../x.csv'"]
    assert values == {"scenario.districts": "tianjin-2006-districts.csv"}


def _zip(entries: list[tuple[zipfile.ZipInfo | str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # zipfile warns of a duplicate name: that is the test
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for info, data in entries:
                archive.writestr(info, data)
    return buffer.getvalue()


def _rules(problems) -> dict[str, str]:
    return {p.where: p.rule for p in problems}


def test_zip_slip_symlinks_and_twice_named_files_are_not_read():
    link = zipfile.ZipInfo("link.csv")
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    data = _zip([("../../escape.toml", b"x = 1"), ("/abs.toml", b"x = 1"), (link, b"/etc/passwd"),
                 ("a\\b.toml", b"x = 1"), ("ok.toml", b"x = 1"), ("ok.toml", b"x = 2"),
                 ("hand-districts.csv", HAND["hand-districts.csv"].encode())])
    files, problems = read_uploads({"u.zip": data})
    assert sorted(files) == ["hand-districts.csv", "ok.toml"] and files["ok.toml"] == "x = 1"
    assert _rules(problems) == {
        "../../escape.toml": "is a path outside the zip; not read",
        "/abs.toml": "is a path outside the zip; not read",
        "link.csv": "is a symbolic link; not read",
        "a\\b.toml": "must separate folders with /, not \\, got 'a\\\\b.toml'; not read",
        "ok.toml": "appears twice in the zip; give each file once",
    }


def test_zips_with_too_many_entries_or_too_much_content_are_refused_unopened():
    many = _zip([(f"f{i}.csv", b"id\n") for i in range(MAX_ZIP_ENTRIES + 1)])
    files, problems = read_uploads({"many.zip": many})
    assert files == {} and [str(p) for p in problems] == [f"many.zip: holds {MAX_ZIP_ENTRIES + 1:,} entries; "
                                                          f"at most {MAX_ZIP_ENTRIES} are unpacked"]
    bomb = _zip([("big.csv", b"0" * (MAX_UPLOAD_BYTES + 1))])
    assert len(bomb) < MAX_UPLOAD_BYTES // 100  # small to upload, large to unpack
    files, problems = read_uploads({"bomb.zip": bomb})
    assert files == {} and [str(p) for p in problems] == ["bomb.zip: unpacks to more than 20 MB"]


def test_a_zip_whose_directory_lies_about_sizes_is_not_read_past_the_limit():
    data = bytearray(_zip([("big.csv", b"0" * (MAX_UPLOAD_BYTES + 10))]))
    # Rewrite the declared uncompressed size (local header and central directory) to 10 bytes.
    true_size = (MAX_UPLOAD_BYTES + 10).to_bytes(4, "little")
    assert data.count(true_size) == 2
    data = bytes(data).replace(true_size, (10).to_bytes(4, "little"))
    files, problems = read_uploads({"liar.zip": data})
    assert files == {}
    [problem] = problems
    assert problem.file == "liar.zip" and problem.where == "big.csv" and problem.rule.startswith("cannot be unpacked")
