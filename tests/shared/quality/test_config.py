"""Rule settings: defaults, partial YAML files, and errors that name the file and the path."""

from __future__ import annotations

from pathlib import Path

import pytest

from shared.quality.config import (
    DEFAULT_RULES,
    QualityConfig,
    QualityConfigError,
    load_quality_config,
)


def test_a_file_naming_some_rules_keeps_the_defaults_for_the_rest(tmp_path: Path) -> None:
    path = tmp_path / "quality.yaml"
    path.write_text("rules:\n  email_syntax: quarantine\nphone_region: ie\n", encoding="utf-8")
    config = load_quality_config(path)
    assert config.setting("email_syntax") == "quarantine"
    assert config.setting("orphan_reference") == DEFAULT_RULES["orphan_reference"]
    assert config.phone_region == "IE"


def test_unquoted_off_switches_a_rule_off(tmp_path: Path) -> None:
    path = tmp_path / "quality.yaml"
    path.write_text("rules:\n  formula_text: off\n", encoding="utf-8")
    assert load_quality_config(path).setting("formula_text") == "off"


def test_the_readme_example_is_a_valid_settings_file(tmp_path: Path) -> None:
    readme = (Path(__file__).parents[3] / "shared/quality/README.md").read_text(encoding="utf-8")
    example = readme.split("```yaml\n", 1)[1].split("```", 1)[0]
    path = tmp_path / "quality.yaml"
    path.write_text(example, encoding="utf-8")
    config = load_quality_config(path)
    assert config.setting("duplicate_patient") == "quarantine"
    assert config.setting("email_syntax") == "off"
    assert config.reader_reasons == {"malformed_date": "warning"}


def test_empty_file_means_defaults(tmp_path: Path) -> None:
    path = tmp_path / "quality.yaml"
    path.write_text("", encoding="utf-8")
    assert load_quality_config(path).rules == QualityConfig().rules


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("rules:\n  email_syntax: sometimes\n", "rules.email_syntax"),
        ("rules:\n  no_such_rule: warning\n", "rules.no_such_rule"),
        ("required_fields:\n  patient: [shoe_size]\n", "required_fields"),
        ("reader_reasons:\n  made_up: warning\n", "reader_reasons"),
        ("document_max_bytes: -1\n", "document_max_bytes"),
        ("colour: blue\n", "colour"),
        ("phone_region: UK\n", "phone_region"),
    ],
)
def test_errors_name_the_file_and_the_path(tmp_path: Path, text: str, where: str) -> None:
    path = tmp_path / "quality.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(QualityConfigError) as raised:
        load_quality_config(path)
    assert str(path) in str(raised.value)
    assert where in str(raised.value)


def test_not_yaml_is_reported_with_the_file(tmp_path: Path) -> None:
    path = tmp_path / "quality.yaml"
    path.write_text("rules: [unclosed\n", encoding="utf-8")
    with pytest.raises(QualityConfigError, match=r"quality\.yaml"):
        load_quality_config(path)
