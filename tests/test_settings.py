from pathlib import Path

import pytest

from kb.settings import PROJECT_ROOT, SettingsError, load_settings


def test_defaults_use_the_local_neo4j() -> None:
    s = load_settings({})
    assert s.local_neo4j
    assert s.effective_uri == "bolt://127.0.0.1:7687"
    assert (s.host, s.port) == ("127.0.0.1", 8000)
    assert s.data_dir == (PROJECT_ROOT / ".data").resolve()
    assert s.neo4j_database == "neo4j"


def test_values_are_read_from_the_environment(tmp_path: Path) -> None:
    s = load_settings({
        "NEO4J_URI": "neo4j+s://abc.databases.example:7687", "NEO4J_USER": "u",
        "NEO4J_PASSWORD": "p", "NEO4J_DATABASE": "kb", "KB_HOST": "0.0.0.0", "KB_PORT": "9000",
        "KB_DATA_DIR": str(tmp_path), "KB_NEO4J_BOLT_PORT": "7999",
    })
    assert not s.local_neo4j
    assert s.effective_uri == "neo4j+s://abc.databases.example:7687"
    assert (s.neo4j_user, s.neo4j_password, s.neo4j_database) == ("u", "p", "kb")
    assert (s.host, s.port, s.bolt_port, s.data_dir) == ("0.0.0.0", 9000, 7999, tmp_path)


@pytest.mark.parametrize("uri", ["bolt://h:7687", "neo4j://h", "neo4j+s://h", "bolt+ssc://h"])
def test_every_neo4j_scheme_is_accepted(uri: str) -> None:
    assert load_settings({"NEO4J_URI": uri}).neo4j_uri == uri


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"KB_PORT": "eighty"}, "KB_PORT"),
        ({"KB_PORT": "70000"}, "KB_PORT"),
        ({"KB_NEO4J_BOLT_PORT": "0"}, "KB_NEO4J_BOLT_PORT"),
        ({"NEO4J_URI": "http://localhost:7474"}, "NEO4J_URI"),
        ({"NEO4J_URI": "bolt://"}, "NEO4J_URI"),
        ({"KB_LOG_LEVEL": "LOUD"}, "KB_LOG_LEVEL"),
        ({"KB_NEO4J_CONNECT_TIMEOUT": "soon"}, "KB_NEO4J_CONNECT_TIMEOUT"),
    ],
)
def test_bad_values_name_the_variable(env: dict[str, str], variable: str) -> None:
    with pytest.raises(SettingsError) as excinfo:
        load_settings(env)
    assert excinfo.value.variable == variable
    assert variable in str(excinfo.value)


def test_the_memo_size_is_read_and_checked() -> None:
    assert load_settings({}).memo_size == 256
    assert load_settings({"KB_MEMO_SIZE": "0"}).memo_size == 0  # off
    for bad in ("-1", "many"):
        with pytest.raises(SettingsError) as excinfo:
            load_settings({"KB_MEMO_SIZE": bad})
        assert excinfo.value.variable == "KB_MEMO_SIZE"


def test_an_import_body_has_its_own_limit() -> None:
    defaults = load_settings({})
    assert (defaults.max_body_bytes, defaults.max_import_bytes) == (10 * 1024**2, 512 * 1024**2)
    assert load_settings({"KB_MAX_IMPORT_BYTES": "2048"}).max_import_bytes == 2048
    for bad in ("100", "a lot", str(65 * 1024**3)):
        with pytest.raises(SettingsError) as excinfo:
            load_settings({"KB_MAX_IMPORT_BYTES": bad})
        assert excinfo.value.variable == "KB_MAX_IMPORT_BYTES"


def test_the_warm_up_is_on_unless_turned_off() -> None:
    assert load_settings({}).warmup is True
    assert load_settings({"KB_WARMUP": "off"}).warmup is False
    with pytest.raises(SettingsError) as excinfo:
        load_settings({"KB_WARMUP": "later"})
    assert excinfo.value.variable == "KB_WARMUP"
