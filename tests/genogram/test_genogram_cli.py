"""The command line: formats from the suffix, exit codes, problems on stderr."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from conftest import EXAMPLES, small_family

ROOT = Path(__file__).resolve().parents[2]


def run_cli(*args: str, path: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    if path is not None:
        env["PATH"] = path
    return subprocess.run([sys.executable, "-m", "genogram", *args], capture_output=True, text=True, env=env,
                          timeout=60, check=False)


@pytest.mark.parametrize(("suffix", "magic"), [("svg", b"<?xml"), ("png", b"\x89PNG\r\n\x1a\n"), ("pdf", b"%PDF-"),
                                               ("dot", b"digraph genogram {")])
def test_formats_from_the_suffix(tmp_path: Path, suffix: str, magic: bytes) -> None:
    out = tmp_path / f"family.{suffix}"
    done = run_cli(str(EXAMPLES / "remarriage.json"), "-o", str(out), "--as-of", "2026-11-22")
    assert done.returncode == 0, done.stderr
    data = out.read_bytes()
    assert data.startswith(magic)
    if suffix == "svg":
        assert ET.fromstring(data).find("{http://www.w3.org/2000/svg}title").text \
            == "Smith and Jones family"


def test_text_option_prints_the_description(tmp_path: Path) -> None:
    done = run_cli(str(EXAMPLES / "small.json"), "-o", str(tmp_path / "x.svg"), "--as-of", "2026-11-22", "--text")
    assert done.returncode == 0
    assert "Ada Okafor (female, born 2017, age 9, subject child) — daughter of Tunde Okafor and Grace Okafor" \
        in done.stdout


def test_invalid_json_exits_2_with_the_problem(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"title": "x", "people": [', encoding="utf-8")
    done = run_cli(str(bad), "-o", str(tmp_path / "x.svg"))
    assert done.returncode == 2
    assert "not valid JSON" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "x.svg").exists()


def test_invalid_family_exits_2_listing_every_problem(tmp_path: Path) -> None:
    data = small_family()
    data["people"][2]["born"] = "2016-02-30"
    data["unions"][0]["partners"].append("ghost")
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data), encoding="utf-8")
    done = run_cli(str(bad), "-o", str(tmp_path / "x.png"))
    assert done.returncode == 2
    assert 'Kayla Smith (id "kid"): the date of birth "2016-02-30" is a day that does not exist.' in done.stderr
    assert 'names a partner with id "ghost", who is not in the list of people' in done.stderr
    assert "Traceback" not in done.stderr


def test_missing_input_file_exits_2(tmp_path: Path) -> None:
    done = run_cli(str(tmp_path / "nowhere.json"), "-o", str(tmp_path / "x.svg"))
    assert done.returncode == 2
    assert "Cannot read" in done.stderr


def test_unknown_suffix_is_refused(tmp_path: Path) -> None:
    done = run_cli(str(EXAMPLES / "small.json"), "-o", str(tmp_path / "x.gif"))
    assert done.returncode == 2
    assert "end it with .svg, .png, .pdf or .dot" in done.stderr


def test_missing_graphviz_is_explained(tmp_path: Path) -> None:
    done = run_cli(str(EXAMPLES / "small.json"), "-o", str(tmp_path / "x.svg"), path=str(tmp_path))
    assert done.returncode == 3
    assert "Graphviz is not installed" in done.stderr and "apt-get install graphviz" in done.stderr
    assert "Traceback" not in done.stderr
