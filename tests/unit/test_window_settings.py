"""``[window]`` (how the cashier's window takes the screen) and the theme's text size for a
window size."""

from __future__ import annotations

import pytest

from pos_terminal.errors import ConfigError
from pos_terminal.hardware.display_settings import WindowSettings, display_settings_from
from pos_terminal.ui import theme


def test_window_defaults_to_maximised() -> None:
    w = display_settings_from({}).window
    assert w == WindowSettings(mode="maximized", size=(1024, 768), scale=1.0)
    assert not w.kiosk


@pytest.mark.parametrize(("given", "mode", "size", "scale"), [
    ({"mode": "kiosk"}, "kiosk", (1024, 768), 1.0),
    ({"mode": "FullScreen"}, "fullscreen", (1024, 768), 1.0),
    ({"mode": "windowed", "size": "1280x800"}, "windowed", (1280, 800), 1.0),
    ({"size": " 800 × 600 ", "scale": 1.25}, "maximized", (800, 600), 1.25),
    ({"scale": 2}, "maximized", (1024, 768), 2.0),
])
def test_window_settings(given: dict, mode: str, size: tuple[int, int], scale: float) -> None:
    w = display_settings_from({"window": given}).window
    assert (w.mode, w.size, w.scale) == (mode, size, scale)


@pytest.mark.parametrize(("given", "words"), [
    ({"mode": "tiny"}, 'mode: expected one of "maximized" | "fullscreen" | "kiosk" | "windowed"'),
    ({"size": "big"}, 'size: expected the window\'s width and height in pixels such as "1024x768"'),
    ({"size": "100x100"}, "size: expected"),
    ({"size": 1024}, "size: expected"),
    ({"scale": 0.1}, "scale: expected a number from 0.5 to 3.0"),
    ({"scale": True}, "scale: expected a number"),
    ({"modes": "kiosk"}, "modes: unknown key in [window]; did you mean mode?"),
])
def test_bad_window_settings_say_what_is_expected(given: dict, words: str) -> None:
    with pytest.raises(ConfigError) as got:
        display_settings_from({"window": given}, "config.toml")
    assert str(got.value).startswith(f"config.toml: [window] {words}")


def test_text_size_follows_the_window() -> None:
    sizes = [theme.text_px(w, h) for w, h in
             ((800, 600), (1024, 600), (1024, 768), (1280, 800), (1366, 768), (1920, 1080))]
    assert sizes[2] == theme.BASE_PX  # the design size
    assert sizes[0] < sizes[2] < sizes[5]
    assert min(sizes) >= theme.MIN_PX and max(sizes) <= theme.MAX_PX
    assert theme.text_px(1024, 768, scale=1.5) == 30
    assert theme.text_px(320, 240) == theme.MIN_PX  # never unreadable
    assert theme.row_px(14) == theme.TOUCH_PX and theme.row_px(28) > theme.TOUCH_PX
