from pathlib import Path

import pytest

from frontporch.devtools import configdoc
from frontporch.hub.config import ConfigError, Role, load_config, parse_config

ROOT = Path(__file__).resolve().parents[2]


def minimal(**camera: object) -> dict[str, object]:
    return {"cameras": {"front": {"inputs": [{"url": "front.mp4"}], **camera}}}


def test_example_config_is_valid() -> None:
    config = load_config(ROOT / "examples" / "hub.yaml")
    assert set(config.cameras) == {"front_door", "driveway"}
    driveway = config.cameras["driveway"]
    assert driveway.input_for(Role.record).url.endswith("/main")
    assert driveway.input_for(Role.detect).url.endswith("/sub")


def test_defaults_fill_in_omitted_sections() -> None:
    camera = parse_config(minimal()).cameras["front"]
    assert camera.detect.fps == 5
    assert camera.inputs[0].roles == [Role.record, Role.detect]
    assert camera.objects.track == ["person"]


@pytest.mark.parametrize(
    ("camera", "field", "says"),
    [
        ({"detect": {"fps": 0}}, "cameras.front.detect.fps", "greater than 0"),
        ({"detectt": {}}, "cameras.front.detectt", "Extra inputs are not permitted"),
        ({"zones": {"z": {"polygon": [[0, 0], [1, 1]]}}}, "cameras.front.zones.z.polygon", "3"),
        ({"zones": {"z": {"polygon": [[0, 0], [2, 0], [1, 1]]}}}, "polygon.1.0", "1"),
        ({"events": {"required_zones": ["porch"]}}, "cameras.front", "porch"),
        ({"record": {"retain": {"all_days": 9, "motion_days": 1}}}, "retain", "all_days"),
    ],
)
def test_errors_name_the_field_and_say_what_is_wrong(
    camera: dict[str, object], field: str, says: str
) -> None:
    with pytest.raises(ConfigError) as info:
        parse_config(minimal(**camera))
    assert field in str(info.value)
    assert says in str(info.value)


def test_two_inputs_with_the_same_role_are_refused() -> None:
    data = {"cameras": {"c": {"inputs": [{"url": "a"}, {"url": "b", "roles": ["detect"]}]}}}
    with pytest.raises(ConfigError, match="only one input may have the 'detect' role"):
        parse_config(data)


def test_bad_camera_name() -> None:
    with pytest.raises(ConfigError, match="lowercase"):
        parse_config({"cameras": {"Front Door": {"inputs": [{"url": "a"}]}}})


def test_unreadable_and_malformed_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("cameras: [unclosed")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(bad)
    scalar = tmp_path / "scalar.yaml"
    scalar.write_text("42")
    with pytest.raises(ConfigError, match="mapping"):
        load_config(scalar)


def test_onnx_detector_needs_model_and_labels() -> None:
    with pytest.raises(ConfigError, match="model"):
        parse_config({**minimal(), "detector": {"type": "onnx"}})


def test_every_field_is_described() -> None:
    from pydantic import BaseModel

    from frontporch.hub import config as module

    for model in vars(module).values():
        if isinstance(model, type) and issubclass(model, BaseModel) and model is not BaseModel:
            for name, field in model.model_fields.items():
                assert field.description, f"{model.__name__}.{name} has no description"


def test_configuration_reference_is_current() -> None:
    committed = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    assert committed == configdoc.render(), (
        "docs/configuration.md is stale: run `python -m frontporch.devtools.configdoc`"
    )
