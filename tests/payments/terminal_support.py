"""Helpers of the card terminal tests (importable as ``terminal_support``; not fixtures)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from zvt_emulator import ZvtEmulator


def configure(data_dir: Path, emu: Any) -> None:
    with (data_dir / "config.toml").open("a", encoding="utf-8") as f:
        if isinstance(emu, ZvtEmulator):
            f.write(f'\n[payment]\nterminal = "zvt"\nport = "{emu.port}"\n'
                    f'password = "{emu.password}"\ntimeout = 10\n')
        else:
            f.write(f'\n[payment]\nterminal = "nexo"\nport = "{emu.port}"\n'
                    f'poi_id = "{emu.poi_id}"\nkey_identifier = "mykey"\n'
                    'key_passphrase = "secret phrase"\ntimeout = 10\n')
