"""The command line: validate, plan, list, schema, and what they import."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from coach import paths
from coach.cli.main import main
from tests.conftest import REPO

GOOD = (
    'schema_version = 1\n[program]\nid = "good"\ntitle = "Good"\n'
    '[[exercise]]\nid = "a"\nname = "A"\nsides = "each"\nreps = 2\nhold = "15s"\n'
)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_validate_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = tmp_path / "good.toml"
    good.write_text(GOOD)
    bad = tmp_path / "bad.toml"
    bad.write_text(GOOD.replace("hold", "hodl"))
    code, out, err = run(capsys, "validate", str(good))
    assert code == 0 and f"{good}: ok (good, 1 exercise, 1:10)" in out and err == ""
    code, out, err = run(capsys, "validate", str(good), str(bad))
    assert code == 1
    assert f"{bad}:10:1: unknown key 'hodl' in [[exercise]] (did you mean 'hold'?)" in err
    assert "1 of 2 files have problems" in err
    code, out, err = run(capsys, "validate", "-q", str(tmp_path))
    assert code == 1 and out == ""


def test_validate_usage_error_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["validate"])
    assert caught.value.code == 2
    assert "see `coach validate --help`" in capsys.readouterr().err


def test_validate_the_bundled_programs(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "validate", str(paths.bundled_programs_dir()))
    assert code == 0, err
    assert out.count(": ok (") >= 7


def test_plan_json_matches_the_spec(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "good.toml"
    path.write_text(GOOD)
    code, out, _ = run(capsys, "plan", str(path), "--json")
    assert code == 0
    data = json.loads(out)
    assert data["program"] == "good" and data["total_seconds"] == 5 + 15 * 2 + 5 + 15 * 2
    assert data["steps"][0] == {
        "kind": "prep",
        "exercise": "a",
        "side": None,
        "set": None,
        "rep": None,
        "phase": None,
        "seconds": 5,
    }
    assert data["steps"][3] == {
        "kind": "switch",
        "exercise": "a",
        "side": "right",
        "set": None,
        "rep": None,
        "phase": None,
        "seconds": 5,
    }
    assert [s["kind"] for s in data["steps"]] == ["prep", "work", "work", "switch", "work", "work"]


def test_plan_human_form(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "plan", "wrist-forearm-stretches", "--steps")
    assert code == 0
    assert "Wrist extension stretch" in out and "Total: " in out
    assert "left, rep 1/5: Hold" in out and "switch sides" in out
    assert "Precautions:" in out


def test_plan_unknown_program(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "plan", "wrist-forearm-strech")
    assert code == 2
    assert "did you mean 'wrist-forearm-stretches'" in err


def test_plan_bad_file_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(GOOD.replace('"15s"', "0"))
    code, out, err = run(capsys, "plan", str(path))
    assert code == 1 and out == ""
    assert f"{path}:10:1:" in err and "Traceback" not in err


def test_list_human_and_json(capsys: pytest.CaptureFixture[str]) -> None:
    user = paths.user_programs_dir()
    user.mkdir(parents=True)
    (user / "mine.toml").write_text(GOOD.replace('id = "good"', 'id = "neck-range-of-motion"'))
    (user / "broken.toml").write_text("schema_version = 1\n")
    code, out, _ = run(capsys, "list")
    assert code == 0
    assert "typist-micro-break" in out and "bundled" in out
    assert "neck-range-of-motion: " in out and "replaces" in out
    assert "Broken program files (1):" in out and "broken.toml" in out
    code, out, _ = run(capsys, "list", "--json")
    data = json.loads(out)
    ids = {p["id"]: p for p in data["programs"]}
    assert ids["neck-range-of-motion"]["folder"] == "user"
    assert ids["neck-range-of-motion"]["replaces"] == [
        str(paths.bundled_programs_dir() / "neck-range-of-motion.toml")
    ]
    assert ids["typist-micro-break"]["total_seconds"] > 0
    assert data["broken"][0]["path"].endswith("broken.toml") and data["broken"][0]["errors"]


def test_schema_describes_the_format(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "schema")
    assert code == 0
    schema = json.loads(out)
    assert schema["$schema"].startswith("https://json-schema.org/")
    # A file with extends is a patient file; any other, a program.
    assert schema["if"] == {"required": ["extends"]}
    assert schema["then"] == {"$ref": "#/$defs/PatientFile"}
    assert schema["else"] == {"$ref": "#/$defs/Program"}
    program = schema["$defs"]["Program"]
    assert set(program["required"]) == {"schema_version", "program", "exercise"}
    patient_file = schema["$defs"]["PatientFile"]
    assert set(patient_file["required"]) == {"schema_version", "extends", "program"}
    assert {"patient", "adjust"} <= set(patient_file["properties"])
    exercise = schema["$defs"]["Exercise"]
    assert exercise["additionalProperties"] is False
    assert "hold" in exercise["properties"] and exercise["properties"]["hold"]["description"]
    assert set(exercise["properties"]["sides"]["enum"]) == {
        "none",
        "both",
        "left",
        "right",
        "each",
        "alternate",
        "affected",
        "unaffected",
    }


def test_shipped_schema_file_is_current(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "schema")
    assert code == 0
    assert (REPO / "docs" / "coach-program.schema.json").read_text() == out


def test_schema_validates_bundled_programs_with_jsonschema_like_checks(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Every key the bundled programs use is in the schema (editors would flag it otherwise)."""
    import tomllib

    run(capsys, "schema")
    schema = json.loads(run(capsys, "schema")[1])
    exercise_keys = set(schema["$defs"]["Exercise"]["properties"])
    program_keys = set(schema["$defs"]["ProgramInfo"]["properties"])
    for file in paths.bundled_programs_dir().glob("*.toml"):
        raw = tomllib.loads(file.read_text())
        assert set(raw["program"]) <= program_keys
        for exercise in raw["exercise"]:
            assert set(exercise) <= exercise_keys


def test_python_dash_m_coach_and_a_closed_pipe() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "coach", "plan", "median-nerve-glide", "--steps"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0 and "Total:" in result.stdout
    piped = subprocess.run(
        f"{sys.executable} -m coach plan hand-wrist-strength --steps | head -n 1",
        shell=True,
        capture_output=True,
        text=True,
        check=False,
    )
    assert piped.stdout.startswith("Hand and wrist strength") and "Traceback" not in piped.stderr


def test_help_teaches(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    for word in (
        "validate",
        "plan",
        "list",
        "schema",
        "config",
        "COACH_PROGRAMS_PATH",
        "examples:",
    ):
        assert word in out


def test_config_init_show_path_and_bad_values(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "conf" / "coach.toml"
    monkeypatch.setenv("COACH_CONFIG_FILE", str(config))
    code, out, _ = run(capsys, "config", "path")
    assert code == 0 and f"config file:      {config}  (not created yet" in out
    code, out, _ = run(capsys, "config", "init")
    assert code == 0 and config.exists()
    written = config.read_text()
    assert "# bell = true" in written
    config.write_text(written.replace("# bell = true", "bell = false"))
    code, _, err = run(capsys, "config", "init")
    assert code == 1 and "already exists; not overwriting" in err
    assert "\nbell = false\n" in config.read_text()

    monkeypatch.setenv("COACH_BREAKS__MICRO__EVERY", "7m")
    code, out, _ = run(capsys, "--set", "cues.countdown=5", "config", "show", "--json")
    shown = {item["key"]: item for item in json.loads(out)}
    assert shown["cues.bell"] == {"key": "cues.bell", "value": False, "source": str(config)}
    assert shown["breaks.micro.every"]["value"] == 420
    assert shown["breaks.micro.every"]["source"] == "env COACH_BREAKS__MICRO__EVERY"
    assert shown["cues.countdown"]["source"] == "--set"
    assert shown["breaks.rest.length"]["source"] in {"default", str(paths.shipped_config_file())}

    code, out, _ = run(capsys, "config", "show")
    assert code == 0 and "breaks.micro.every" in out and "7m" in out

    monkeypatch.setenv("COACH_BREAKS__MICRO__EVERY", "soon")
    code, out, err = run(capsys, "config", "show")
    assert code == 2 and out == ""
    assert "COACH_BREAKS__MICRO__EVERY" in err and "Traceback" not in err

    monkeypatch.delenv("COACH_BREAKS__MICRO__EVERY")
    config.write_text("[cues]\nbel = true\n")
    code, _, err = run(capsys, "config", "show")
    assert code == 2 and f"{config}:2" in err and "did you mean 'bell'" in err

    code, _, err = run(capsys, "--set", "nonsense", "config", "show")
    assert code == 2 and "expected KEY=VALUE" in err


def test_the_schema_has_no_null_because_toml_has_none(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema"]) == 0
    text = capsys.readouterr().out
    assert "null" not in text
    schema = json.loads(text)
    duration = schema["$defs"]["Exercise"]["properties"]["duration"]
    # The optional duration is a number, a duration text or (version 2) a range, in one
    # flat list an editor can name, and says both what it is for and how to write it.
    kinds = [branch.get("type", branch.get("$ref")) for branch in duration["oneOf"]]
    assert kinds == ["number", "string", "#/$defs/SecondsRange"]
    assert duration["description"].startswith("One timed stretch of work per set")
    assert "1m30s" in duration["description"]
