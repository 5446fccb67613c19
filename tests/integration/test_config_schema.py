"""Every config layer refuses what it does not know: an unknown section or key (a typo) names
its file and line, or its environment variable, and the nearest known name; the register does
not start on it (CLI: one line, exit 1; the window: the same line, then it exits); ``config
show`` still shows what it could read and marks what is refused."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pos_terminal import cli, config
from pos_terminal.bootstrap import open_register
from pos_terminal.errors import ConfigError

from support import SOURCES

ROOT = Path(__file__).resolve().parents[2]


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = cli.main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def line_number(text: str, starts: str) -> int:
    return next(n for n, ln in enumerate(text.splitlines(), 1) if ln.startswith(starts))


def typo(cfg: Path, old: str, new: str) -> int:
    """Replace ``old`` by ``new`` at the start of a line; returns that line's number."""
    text = cfg.read_text(encoding="utf-8")
    n = line_number(text, old)
    lines = text.splitlines()
    lines[n - 1] = new + lines[n - 1][len(old):]
    cfg.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return n


def test_a_key_typo_in_the_register_config_stops_every_command(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = data_dir / config.CONFIG_NAME
    n = typo(cfg, "tax_mode", "tax_mdoe")
    before = (data_dir / config.DB_NAME).read_bytes()
    for args in (["products", "--limit", "1"], ["sell", "x", "--pay", "cash"], ["verify"]):
        code, out, err = run(capsys, "--data-dir", str(data_dir), *args)
        assert code == 1 and out == ""
        assert err == (f"error: {cfg}:{n}: tax_mdoe: unknown key in [store]; "
                       "did you mean tax_mode?\n")
    assert (data_dir / config.DB_NAME).read_bytes() == before  # nothing written
    with pytest.raises(ConfigError, match="did you mean tax_mode"):
        open_register(data_dir)


def test_an_unknown_section_names_the_nearest_one(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = data_dir / config.CONFIG_NAME
    text = cfg.read_text(encoding="utf-8") + '\n[stroe]\nx = 1\n\n[fancy_stuff]\ny = 2\n'
    cfg.write_text(text, encoding="utf-8")
    code, _, err = run(capsys, "--data-dir", str(data_dir), "products")
    n = line_number(text, "[stroe]")
    assert code == 1
    assert err.strip() == (f"error: {cfg}:{n}: [stroe]: unknown section; did you mean [store]? "
                           "(and 1 more: 'pos-terminal config show' lists them)")
    raw = config.read_layers(config.Paths(data_dir))
    far = line_number(text, "[fancy_stuff]")
    assert raw.refused[1].startswith(f"{cfg}:{far}: [fancy_stuff]: unknown section; known "
                                     "sections: store, tax_classes,")


def test_keys_of_every_loader_are_checked(data_dir: Path) -> None:
    """Each section's keys come from its own loader: a typo in any of them is caught."""
    cfg = data_dir / config.CONFIG_NAME
    base = cfg.read_text(encoding="utf-8")
    for section, wrong, meant in [
        ("printer", 'colums = 42', "columns"), ("receipt", 'foter = ["x"]', "footer"),
        ("scanner", 'baud_rate = 9600', "baudrate"), ("barcodes", 'rcn_regoin = "de"',
                                                      "rcn_region"),
        ("customer_display", "enable = true", "enabled"), ("pole_display", "colums = 20",
                                                            "columns"),
        ("retail", 'deposit_taxes = "ZERO"', "deposit_tax"), ("central", 'ulr = "http://x"',
                                                              "url"),
        ("packaging", "autostrat = true", "autostart"),
    ]:
        text = base + f"\n[{section}]\n{wrong}\n"
        cfg.write_text(text, encoding="utf-8")
        key = wrong.split(" ")[0]
        with pytest.raises(ConfigError) as e:
            config.load_raw(config.Paths(data_dir))
        assert str(e.value) == (f"{cfg}:{line_number(text, key)}: {key}: unknown key in "
                                f"[{section}]; did you mean {meant}?")


def test_a_tax_class_with_a_misspelt_field(data_dir: Path) -> None:
    cfg = data_dir / config.CONFIG_NAME
    n = typo(cfg, 'RED = { name = "Reduced VAT", rate', 'RED = { name = "Reduced VAT", rat')
    with pytest.raises(ConfigError) as e:
        open_register(data_dir)
    assert str(e.value) == (f"{cfg}:{n}: rat: unknown key in [tax_classes.RED]; "
                            "did you mean rate?")


def test_a_key_with_no_near_name_lists_the_known_ones(data_dir: Path) -> None:
    cfg = data_dir / config.CONFIG_NAME
    cfg.write_text(cfg.read_text(encoding="utf-8") + '\n[retail]\nzzz = 1\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"zzz: unknown key in \[retail\]; known keys: "
                                          r"deposit_tax, voucher_rest$"):
        config.load_raw(config.Paths(data_dir))


def test_site_and_baked_layers_are_checked_with_their_lines(
    data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = tmp_path / "site.toml"
    site.write_text('# site\n[printer]\ncut = "partial"\ncolums = 48\n', encoding="utf-8")
    monkeypatch.setenv(config.SITE_ENV, str(site))
    with pytest.raises(ConfigError) as e:
        open_register(data_dir)
    assert str(e.value) == (f"{site}:4: colums: unknown key in [printer]; "
                            "did you mean columns?")
    site.write_text("", encoding="utf-8")
    baked = tmp_path / "store.toml"
    baked.write_text('[store]\nid = "S1"\n\n[scaner]\nkind = "wedge"\n', encoding="utf-8")
    monkeypatch.setattr(config, "baked_config_file", lambda: baked)
    with pytest.raises(ConfigError) as e:
        open_register(data_dir)
    assert str(e.value) == (f"{baked}:4 (baked into this build): [scaner]: unknown section; "
                            "did you mean [scanner]?")
    # init and the first start of a baked build refuse it too
    with pytest.raises(ConfigError, match=r"\[scaner\]: unknown section"):
        config.initial_settings(config.Paths(tmp_path / "new"), "S1", "R1")


def test_environment_variables_get_the_same_check(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("POS_TERMINAL__STORE__TAX_MDOE", "exclusive")
    code, _, err = run(capsys, "--data-dir", str(data_dir), "products")
    assert code == 1
    assert err.strip() == ("error: environment variable POS_TERMINAL__STORE__TAX_MDOE: "
                           "tax_mdoe: unknown key in [store]; did you mean tax_mode "
                           "(POS_TERMINAL__STORE__TAX_MODE)?")
    monkeypatch.delenv("POS_TERMINAL__STORE__TAX_MDOE")
    monkeypatch.setenv("POS_TERMINAL__PRINTR__ADDRESS", "none")
    with pytest.raises(ConfigError, match=r"^environment variable POS_TERMINAL__PRINTR__ADDRESS: "
                                          r"\[printr\]: unknown section; did you mean "
                                          r"\[printer\]\?$"):
        open_register(data_dir)
    monkeypatch.delenv("POS_TERMINAL__PRINTR__ADDRESS")
    monkeypatch.setenv("POS_TERMINAL__STORE__TAX_MODE", "exclusive")  # well spelt: taken
    with open_register(data_dir) as app:
        assert app.settings.tax_mode.value == "exclusive"


def test_config_show_explains_what_it_could_read_and_what_is_refused(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = data_dir / config.CONFIG_NAME
    n = typo(cfg, "tax_mode", "tax_mdoe")
    code, out, err = run(capsys, "--data-dir", str(data_dir), "config", "show")
    assert code == 1
    assert err.strip() == (f"error: {cfg}:{n}: tax_mdoe: unknown key in [store]; "
                           "did you mean tax_mode?")
    lines = out.splitlines()
    assert any(ln.startswith('currency = "EUR"') and ln.endswith("# register") for ln in lines)
    assert any(ln.startswith('tax_mode = "inclusive"') and ln.endswith("# default")
               for ln in lines)  # what the register would use without the typo
    bad = next(ln for ln in lines if ln.startswith("tax_mdoe = "))
    assert "REFUSED: tax_mdoe: unknown key in [store]; did you mean tax_mode?" in bad
    code, out, _ = run(capsys, "--data-dir", str(data_dir), "config", "show", "--json")
    shown = json.loads(out)
    assert code == 1 and shown["refused"] == [
        f"{cfg}:{n}: tax_mdoe: unknown key in [store]; did you mean tax_mode?"]
    assert shown["values"]["store.tax_mdoe"]["refused"].endswith("did you mean tax_mode?")
    assert "refused" not in shown["values"]["store.currency"]


def test_the_example_store_config_and_a_fresh_register_are_clean(tmp_path: Path) -> None:
    example = config.read_layer("store", ROOT / "packaging" / "stores" / "example.toml")
    assert example.refusals() == []
    d = tmp_path / "r"
    assert cli.main(["--data-dir", str(d), "init", "--store", "S1", "--register", "R1"]) == 0
    assert config.load_raw(config.Paths(d)).refused == []


def test_the_store_build_refuses_a_typo_with_its_line(tmp_path: Path) -> None:
    store = tmp_path / "store.toml"
    store.write_text('[store]\nid = "S1"\nregister = "R1"\ncurency = "EUR"\n', encoding="utf-8")
    r = subprocess.run([sys.executable, str(ROOT / "packaging" / "build.py"), str(store),
                        "--out", str(tmp_path / "out"), "--work", str(tmp_path / "w")],
                       capture_output=True, text=True, timeout=120, check=False,
                       env={**os.environ, "PYTHONPATH": SOURCES})
    assert r.returncode != 0
    assert f"{store}:4: curency: unknown key in [store]; did you mean currency?" in r.stderr
    assert not (tmp_path / "out").exists()


def test_the_window_shows_the_refusal_and_exits(data_dir: Path) -> None:
    """The cashier window (offscreen): the same one line, a message box, exit 1."""
    cfg = data_dir / config.CONFIG_NAME
    n = typo(cfg, "tax_mode", "tax_mdoe")
    env = {k: v for k, v in os.environ.items() if not k.startswith("POS_TERMINAL")}
    env.update(QT_QPA_PLATFORM="offscreen", POS_TERMINAL_SITE_CONFIG="",
               POS_TERMINAL_QUIT_AFTER_MS="200", PYTHONPATH=SOURCES)
    r = subprocess.run([sys.executable, "-m", "pos_terminal", "--data-dir", str(data_dir)],
                       capture_output=True, text=True, timeout=60, env=env, check=False)
    assert r.returncode == 1
    assert (f"error: {cfg}:{n}: tax_mdoe: unknown key in [store]; did you mean tax_mode?"
            in r.stderr)


@pytest.mark.parametrize(("text", "path", "line"), [
    ('[store]\nid = "S1"\ntax_mdoe = "x"\n', ("store", "tax_mdoe"), 3),
    ('store.id = "S1"\nstore.tax_mdoe = "x"\n', ("store", "tax_mdoe"), 2),
    ('[store]\n"tax_mdoe" = "x"\n', ("store", "tax_mdoe"), 2),
    ('[tax_classes]\nSTD = { name = "x", rat = "1" }\n', ("tax_classes", "STD", "rat"), 2),
    ('[receipt]\nfooter = """\nfoo = 1\n"""\nfoo = 2\n', ("receipt", "foo"), 5),
    ('[printer]\nx = 1\n[stroe.sub]\ny = 2\n', ("stroe",), 3),
    ('[printer]\ncut = "full"\n', ("printer", "nothing"), None),
])
def test_line_of(text: str, path: tuple[str, ...], line: int | None) -> None:
    assert config.line_of(text, path) == line


def test_a_key_in_the_wrong_place_says_where_it_belongs(data_dir: Path) -> None:
    cfg = data_dir / config.CONFIG_NAME
    text = cfg.read_text(encoding="utf-8")
    cfg.write_text('tax_mode = "exclusive"\n' + text + '\n[printer]\nwedge_suffix = "tab"\n',
                   encoding="utf-8")
    raw = config.read_layers(config.Paths(data_dir))
    assert raw.refused == [
        f"{cfg}:1: tax_mode: a key outside any section; it belongs in [store]",
        f"{cfg}:{len(text.splitlines()) + 4}: wedge_suffix: unknown key in [printer]; "
        "it belongs in [scanner]"]


def test_the_provisioned_central_file_names_a_typo_the_same_way(data_dir: Path) -> None:
    from pos_terminal.sync.settings import load_central

    f = data_dir / "central.toml"
    f.write_text('[central]\nurl = "http://127.0.0.1:9"\ntoken = "t"\npull_evrey = 5.0\n',
                 encoding="utf-8")
    with pytest.raises(ConfigError) as e:
        load_central(config.Paths(data_dir))
    assert str(e.value) == (f"{f}:4: pull_evrey: unknown key in [central]; "
                            "did you mean pull_every?")
