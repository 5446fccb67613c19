"""Config precedence: baked < site < register < environment, where each value came from,
errors that name the layer that set the bad value, ``init`` and the first start of a per-store
build, and ``pos-terminal config show``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pos_terminal import cli, cli_config, config
from pos_terminal.bootstrap import open_register
from pos_terminal.errors import ConfigError, InputError
from pos_terminal.hardware import printer_settings, scanner_settings

BAKED = """
[store]
id = "S042"
register = "R1"
name = "Corner Shop"
currency = "USD"
tax_mode = "exclusive"

[tax_classes]
STD = { name = "Sales tax", rate = "8.875" }
FOOD = { name = "Groceries", rate = "0" }

[central]
url = "https://central.example.com"

[printer]
address = "usb://04b8:0202"
columns = 42

[receipt]
footer = ["Thanks!"]

[packaging]
autostart = true
"""


@pytest.fixture
def baked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    f = tmp_path / "baked" / config.BAKED_NAME
    f.parent.mkdir()
    f.write_text(BAKED, encoding="utf-8")
    monkeypatch.setattr(config, "baked_config_file", lambda: f)
    return f


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    f = tmp_path / "site.toml"
    f.write_text('[printer]\ncolumns = 48\ncut = "partial"\n', encoding="utf-8")
    monkeypatch.setenv(config.SITE_ENV, str(f))
    return f


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = cli.main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


# -- precedence and origins ---------------------------------------------------------------------
def test_each_layer_overrides_the_one_below(
    baked: Path, site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    d = tmp_path / "reg"
    assert run(capsys, "--data-dir", str(d), "init")[0] == 0
    with (d / config.CONFIG_NAME).open("a", encoding="utf-8") as f:
        f.write('\n[printer]\ncut = "full"\nprofile = "default"\n')
    monkeypatch.setenv("POS_TERMINAL__PRINTER__PROFILE", "TM-T20II")
    raw = config.load_raw(config.Paths(d))
    assert raw["printer"] == {"address": "usb://04b8:0202", "columns": 48, "cut": "full",
                              "profile": "TM-T20II"}
    assert {k: raw.origin("printer", k).name for k in raw["printer"]} == {
        "address": "baked", "columns": "site", "cut": "register", "profile": "env"}
    assert raw.origin("store", "id").name == "register"  # the identity is the register's own
    assert raw.origin("store", "currency").name == "baked"
    with open_register(d) as app:  # every loader reads the merged layers
        assert app.printer.columns == 48 and app.printer.cut == "full"
        assert app.printer.profile == "TM-T20II"
        assert app.receipt.footer == ("Thanks!",)
        assert app.settings.currency.code == "USD"
        assert {tc.code for tc in app.settings.tax_classes} == {"STD", "FOOD"}


@pytest.mark.parametrize(("text", "current", "expected"), [
    ("42", None, 42), ("1.5", None, 1.5), ("true", None, True), ("Off", None, False),
    ('["a", "b"]', None, ["a", "b"]), ('"quoted"', None, "quoted"),
    ("tcp://10.0.0.5:9100", None, "tcp://10.0.0.5:9100"), ("", None, ""),
    ("0042", None, "0042"), ("42", "R1", "42"),  # text stays text where text was
    ("2026-01-01", None, "2026-01-01"), ("nan", None, "nan"),
])
def test_environment_values(text: str, current: object, expected: object) -> None:
    assert config.env_value(text, current) == expected


def test_environment_names_match_keys_in_any_case() -> None:
    below = {"tax_classes": {"STD": {"rate": "19"}}, "printer": {"columns": 42}}
    layer = config.env_layer({"POS_TERMINAL__TAX_CLASSES__STD__RATE": "20",
                              "POS_TERMINAL__PRINTER__COLUMNS": "48",
                              "POS_TERMINAL_HOME": "/x", "PATH": "/bin"}, below)
    assert layer is not None
    assert layer.data == {"tax_classes": {"STD": {"rate": "20"}}, "printer": {"columns": 48}}
    assert layer.where(("printer", "columns")) == \
        "environment variable POS_TERMINAL__PRINTER__COLUMNS"


def test_a_malformed_variable_name_is_refused() -> None:
    with pytest.raises(ConfigError, match="POS_TERMINAL__PRINTER: expected "
                                          "POS_TERMINAL__SECTION__KEY=value"):
        config.env_layer({"POS_TERMINAL__PRINTER": "x"}, {})


def test_site_config_variable_must_name_a_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(config.SITE_ENV, str(tmp_path / "nope.toml"))
    with pytest.raises(ConfigError, match=r"POS_TERMINAL_SITE_CONFIG=.*nope.toml: no such file"):
        config.read_layers(config.Paths(tmp_path))


# -- errors name the layer ----------------------------------------------------------------------
def test_a_bad_site_value_names_the_site_file_and_nothing_starts(
    data_dir: Path, site: Path
) -> None:
    site.write_text('[printer]\naddress = "tcp://bad host"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as e:
        open_register(data_dir)
    assert str(e.value).startswith(f"{site}: [printer] address: 'tcp://bad host': expected")


def test_a_bad_environment_value_names_the_variable(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POS_TERMINAL__SCANNER__BAUDRATE", "fast")
    with pytest.raises(ConfigError, match=r"^environment variable POS_TERMINAL__SCANNER__BAUDRATE:"
                                          r" \[scanner\] baudrate: expected a whole number"):
        scanner_settings.load_scanner_settings(config.Paths(data_dir))


def test_a_bad_baked_value_names_the_build(
    baked: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    d = tmp_path / "reg"
    assert run(capsys, "--data-dir", str(d), "init")[0] == 0
    baked.write_text(BAKED.replace('columns = 42', 'columns = 400'), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"store.toml \(baked into this build\): \[printer\] "
                                          r"columns: expected a whole number from 24 to 80"):
        printer_settings.load_printer_settings(config.Paths(d))


def test_a_bad_register_value_still_names_the_register_file(
    data_dir: Path, site: Path
) -> None:
    with (data_dir / config.CONFIG_NAME).open("a", encoding="utf-8") as f:
        f.write('\n[printer]\ncut = "sideways"\n')
    with pytest.raises(ConfigError, match=r"register/config.toml: \[printer\] cut: expected"):
        open_register(data_dir)


def test_a_bad_store_value_from_the_environment(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POS_TERMINAL__STORE__TAX_MODE", "vat")
    with pytest.raises(ConfigError, match=r"^environment variable POS_TERMINAL__STORE__TAX_MODE:"
                                          r' \[store\] tax_mode: expected "inclusive"'):
        open_register(data_dir)


# -- init and the first start of a per-store build ----------------------------------------------
def test_init_takes_the_baked_ids_and_writes_only_its_own(
    baked: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    d = tmp_path / "reg"
    code, out, _ = run(capsys, "--data-dir", str(d), "init")
    assert code == 0 and "register S042-R1 ready" in out
    own = config.read_toml(d / config.CONFIG_NAME)
    assert own == {"store": {"id": "S042", "register": "R1"}}  # the rest stays baked
    with open_register(d) as app:
        assert app.settings.terminal == "S042-R1"
        assert app.settings.tax_mode.value == "exclusive"
        assert app.catalog.products() == []  # empty: the catalog arrives with sync


def test_init_options_override_the_baked_config(
    baked: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    d = tmp_path / "reg"
    code = run(capsys, "--data-dir", str(d), "init", "--register", "R2", "--currency", "CAD")[0]
    assert code == 0
    own = config.read_toml(d / config.CONFIG_NAME)
    assert own["store"] == {"id": "S042", "register": "R2", "currency": "CAD"}
    assert "tax_classes" not in own
    with open_register(d) as app:
        assert (app.settings.terminal, app.settings.currency.code) == ("S042-R2", "CAD")


def test_init_without_a_store_config_needs_the_ids(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "--data-dir", str(tmp_path / "r"), "init", "--register", "R1")
    assert code == 1
    assert err.strip() == ("error: init needs --store and --register: no store config is "
                           "baked into this build or set in the site config")
    assert not (tmp_path / "r").exists()


def test_init_without_layers_writes_everything_as_before(tmp_path: Path) -> None:
    settings, inherited = config.initial_settings(config.Paths(tmp_path), "S1", "R1")
    assert inherited is None
    assert settings == config.new_settings("S1", "R1", "EUR")


def test_a_bad_baked_id_is_reported_against_the_build(baked: Path, tmp_path: Path) -> None:
    baked.write_text(BAKED.replace('id = "S042"', 'id = "S 042"'), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"baked into this build\): \[store\] id: store 'S 042'"):
        config.initial_settings(config.Paths(tmp_path / "r"))
    with pytest.raises(InputError, match="store 'bad id'"):
        config.initial_settings(config.Paths(tmp_path / "r"), store="bad id")


def test_first_start_of_a_baked_build_creates_the_register_offline(
    baked: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    shown: list[Path] = []
    monkeypatch.setattr(cli, "_gui", lambda args: shown.append(args.data_dir) or 0)
    d = tmp_path / "fresh"
    code, out, _ = run(capsys, "--data-dir", str(d))
    assert code == 0 and shown == [d]
    assert "register S042-R1 created" in out
    with open_register(d) as app:
        assert app.catalog.products() == []


def test_first_start_without_a_store_config_creates_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(cli, "_gui", lambda args: 0)  # the window then says how to set up
    assert run(capsys, "--data-dir", str(tmp_path / "fresh"))[0] == 0
    assert not (tmp_path / "fresh").exists()


def test_demo_still_makes_the_training_store_in_a_baked_build(
    baked: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    d = tmp_path / "demo"
    code, out, _ = run(capsys, "--data-dir", str(d), "demo", "--no-gui")
    assert code == 0 and "demo store DEMO-R1" in out
    with open_register(d) as app:
        assert app.settings.currency.code == "EUR"  # the demo's own, not the baked store's
        assert len(app.catalog.products(limit=500)) > 100
        assert app.printer.address.kind == "usb"  # devices still come from the build


# -- config show --------------------------------------------------------------------------------
def test_config_show_says_where_each_value_came_from(
    baked: Path, site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    d = tmp_path / "reg"
    assert run(capsys, "--data-dir", str(d), "init")[0] == 0
    monkeypatch.setenv("POS_TERMINAL__PRINTER__TIMEOUT", "7.5")
    code, out, _ = run(capsys, "--data-dir", str(d), "config", "show", "--json")
    assert code == 0
    shown = json.loads(out)
    v = shown["values"]
    assert v["store.id"] == {"value": "S042", "origin": "register",
                             "source": str(d / config.CONFIG_NAME)}
    assert v["store.currency"]["origin"] == "baked"
    assert v["printer.columns"] == {"value": 48, "origin": "site", "source": str(site)}
    assert v["printer.timeout"] == {"value": 7.5, "origin": "env",
                                    "source": "environment variable POS_TERMINAL__PRINTER__TIMEOUT"}
    assert v["printer.drawer_pin"] == {"value": 2, "origin": "default", "source": None}
    assert v["central.url"]["origin"] == "baked"
    assert v["packaging.autostart"] == {"value": True, "origin": "baked", "source": str(baked)
                                        + " (baked into this build)"}
    assert [la["name"] for la in shown["layers"]] == ["baked", "site", "register", "env"]
    assert shown["error"] is None
    code, out, _ = run(capsys, "--data-dir", str(d), "config", "show")
    assert code == 0
    assert "[printer]" in out
    assert any(ln.startswith("columns = 48") and ln.endswith("# site") for ln in out.splitlines())
    assert any(ln.startswith("timeout = 7.5") and "# env POS_TERMINAL__PRINTER__TIMEOUT" in ln
               for ln in out.splitlines())


def test_config_show_masks_secrets(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (data_dir / "central.toml").write_text(
        '[central]\nurl = "https://central.example.com"\ntoken = "reg-tok-SECRET"\n')
    monkeypatch.setenv("POS_TERMINAL__CENTRAL__PROXY", "http://user:hunter2@proxy:3128")
    monkeypatch.setenv("POS_TERMINAL__EXTRA__ADMIN_PASSWORD", "hunter2")
    monkeypatch.setenv("POS_TERMINAL__EXTRA__PIN", "1234")
    code, out, err = run(capsys, "--data-dir", str(data_dir), "config", "show", "--json")
    # keys the register does not know are refused (exit 1), and still shown masked
    assert code == 1 and "POS_TERMINAL__CENTRAL__PROXY" in json.loads(out)["refused"][0]
    assert "SECRET" not in out + err and "hunter2" not in out + err and "1234" not in out + err
    v = json.loads(out)["values"]
    assert v["central.token"] == {"value": cli_config.MASK, "origin": "register",
                                  "source": str(data_dir / "central.toml")}
    assert v["central.proxy"]["value"] == f"http://user:{cli_config.MASK}@proxy:3128"
    assert v["printer.drawer_pin"]["value"] == 2  # a connector pin, not a secret
    _, text, _ = run(capsys, "--data-dir", str(data_dir), "config", "show")
    assert "SECRET" not in text and "hunter2" not in text


def test_config_show_reports_a_bad_value_with_its_layer(
    data_dir: Path, site: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    site.write_text('[scanner]\nkind = "bluetooth"\n', encoding="utf-8")
    code, out, err = run(capsys, "--data-dir", str(data_dir), "config", "show")
    assert code == 1
    assert 'kind = "bluetooth"' in out  # still shown, so the installer sees it
    assert err.strip().startswith(f"error: {site}: [scanner] kind: expected one of")
    assert len(err.strip().splitlines()) == 1


def test_config_show_before_init(
    baked: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "--data-dir", str(tmp_path / "new"), "config", "show")
    assert code == 0
    assert 'id = "S042"' in out and "not set up as a register yet" in out


def test_defaults_cover_every_key_the_loaders_read() -> None:
    d = cli_config.defaults()
    known = config.schema()  # the keys each loader declares it reads
    for section in ("store", "scanner", "barcodes", "printer", "receipt", "customer_display",
                    "pole_display", "window"):
        assert set(d[section]) == set(known[section].keys), section


def test_config_show_lists_the_window_mode_and_where_it_came_from(
    data_dir: Path, site: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """``[window]``: maximised by default, kiosk from the site file, a size from the
    environment; ``config show`` says each and where it came from."""
    code, out, _ = run(capsys, "--data-dir", str(data_dir), "config", "show", "--json")
    v = json.loads(out)["values"]
    assert v["window.mode"] == {"value": "maximized", "origin": "default", "source": None}
    site.write_text('[window]\nmode = "kiosk"\n', encoding="utf-8")
    monkeypatch.setenv("POS_TERMINAL__WINDOW__SIZE", "1280x800")
    code, out, _ = run(capsys, "--data-dir", str(data_dir), "config", "show")
    assert code == 0
    lines = out.splitlines()
    assert any(ln.startswith('mode = "kiosk"') and ln.endswith("# site") for ln in lines)
    assert any(ln.startswith('size = "1280x800"') and "POS_TERMINAL__WINDOW__SIZE" in ln
               for ln in lines)
    with open_register(data_dir) as app:
        assert app.display.window.kiosk and app.display.window.size == (1280, 800)
    site.write_text('[window]\nmode = "tiny"\n', encoding="utf-8")
    code, _, err = run(capsys, "--data-dir", str(data_dir), "config", "show")
    assert code == 1
    assert err.strip() == (f'error: {site}: [window] mode: expected one of "maximized" | '
                           f'"fullscreen" | "kiosk" | "windowed", got \'tiny\'')
