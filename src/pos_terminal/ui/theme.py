"""A high-contrast theme readable at arm's length: dark background, large type, big targets.

Everything is sized from one figure, the base text size in pixels, which follows the window:
``text_px`` picks it for a window size (20 px at 1024×768, 16 px at 800×600, 28 px at
1920×1080) and the main window applies ``stylesheet(px)`` to itself and, through the parent
chain, to every dialog it opens. Touch targets never shrink below ``TOUCH_PX``.
"""

from __future__ import annotations

TOUCH_PX = 44  # the smallest height (and width) of anything a finger must hit
BASE_PX = 20  # the text size at the design size, 1024×768
DESIGN_SIZE = (1024, 768)
MIN_PX, MAX_PX = 14, 30


def text_px(width: int, height: int, scale: float = 1.0) -> int:
    """The base text size for a window of ``width`` × ``height`` pixels: the design size's
    20 px grown or shrunk with whichever side is tighter, times the ``[window] scale``."""
    fit = min(width / DESIGN_SIZE[0], height / DESIGN_SIZE[1])
    return max(MIN_PX, min(MAX_PX, round(BASE_PX * fit * scale)))


def row_px(px: int) -> int:
    """The height of a list or table row for text of ``px``: a touch target at least."""
    return max(TOUCH_PX, round(px * 2.2))


def stylesheet(px: int = BASE_PX) -> str:
    """The theme for a base text size of ``px`` pixels."""
    title = round(px * 1.3)
    big = round(px * 2.6)  # the total and the change (FitLabel shrinks them to their room)
    small = max(12, round(px * 0.7))  # the status bar
    mono = max(11, round(px * 0.65))  # receipts and reports: 42 columns fit beside the cart
    pad = max(4, round(px * 0.35))
    return f"""
QWidget {{ background: #101418; color: #f4f6f8; font-size: {px}px; }}
QLineEdit, QAbstractSpinBox, QComboBox, QPlainTextEdit, QListWidget, QTableView {{
    background: #1c232b; color: #ffffff; border: 2px solid #3d4b59; border-radius: 6px;
    padding: {pad}px; selection-background-color: #ffd23f; selection-color: #101418;
}}
QLineEdit, QAbstractSpinBox, QComboBox {{ min-height: {TOUCH_PX - 2 * pad - 4}px; }}
QAbstractSpinBox::up-button, QAbstractSpinBox::down-button {{ width: {round(px * 1.6)}px; }}
QLineEdit:focus, QAbstractSpinBox:focus, QListWidget:focus, QTableView:focus,
QComboBox:focus {{ border-color: #ffd23f; }}
QComboBox QAbstractItemView::item, QListView::item {{ min-height: {row_px(px)}px; }}
QHeaderView::section {{ background: #26303a; color: #ffffff; padding: {pad}px; border: 0;
    font-weight: bold; }}
QPushButton {{ background: #26303a; color: #ffffff; border: 2px solid #4f6273;
    border-radius: 8px; padding: {pad}px {pad}px; min-height: {TOUCH_PX - 2 * pad - 4}px;
    min-width: {TOUCH_PX - 2 * pad - 4}px; font-weight: bold; }}
QPushButton:focus {{ border-color: #ffd23f; }}
QPushButton:pressed {{ background: #4f6273; border-color: #ffd23f; }}
QPushButton:disabled {{ color: #6b7785; border-color: #2c3640; }}
QPushButton[role="primary"] {{ background: #1f7a3a; border-color: #34c759; }}
QPushButton[role="danger"] {{ background: #7a1f1f; border-color: #ff5c5c; }}
QPushButton[role="key"] {{ font-size: {round(px * 1.2)}px; }}
QLabel[role="total"] {{ font-size: {big}px; font-weight: bold; color: #7CFC9A; }}
QLabel[role="change"] {{ font-size: {big}px; font-weight: bold; color: #ffd23f; }}
QLabel[role="title"] {{ font-size: {title}px; font-weight: bold; }}
QLabel[role="muted"] {{ color: #aab4bf; }}
QLabel[role="detail"] {{ color: #dfe5ea; background: #1c232b; border-radius: 6px;
    padding: {pad}px; }}
QLabel[role="error"] {{ background: #a51d1d; color: #ffffff; font-weight: bold;
    padding: {pad}px; border-radius: 6px; }}
QLabel[role="info"] {{ background: #1d4fa5; color: #ffffff; padding: {pad}px;
    border-radius: 6px; }}
QLabel[role="training"] {{ background: #ff8c00; color: #101418; font-weight: bold;
    padding: 2px 10px; }}
QPlainTextEdit[role="receipt"] {{ font-family: monospace; font-size: {mono}px; }}
QCheckBox, QRadioButton {{ min-height: {TOUCH_PX}px; spacing: {pad * 2}px; }}
QCheckBox::indicator {{ width: {round(px * 1.3)}px; height: {round(px * 1.3)}px;
    border: 2px solid #aab4bf; border-radius: 4px; background: #1c232b; }}
QCheckBox::indicator:checked {{ background: #ffd23f; border-color: #ffd23f; }}
QRadioButton::indicator {{ width: {round(px * 1.2)}px; height: {round(px * 1.2)}px;
    border-radius: {round(px * 0.6)}px; border: 2px solid #aab4bf; background: #1c232b; }}
QRadioButton::indicator:checked {{ background: #ffd23f; border-color: #ffd23f; }}
QScrollBar {{ background: #1c232b; border: 0; margin: 0; }}
QScrollBar:vertical {{ width: {max(16, round(px * 1.1))}px; }}
QScrollBar:horizontal {{ height: {max(16, round(px * 1.1))}px; }}
QScrollBar::handle {{ background: #4f6273; border-radius: 4px; min-height: {TOUCH_PX}px;
    min-width: {TOUCH_PX}px; margin: 2px; }}
QScrollBar::add-line, QScrollBar::sub-line {{ width: 0; height: 0; }}
QScrollBar::add-page, QScrollBar::sub-page {{ background: none; }}
QStatusBar {{ background: #1c232b; }}
QStatusBar QLabel {{ padding: 0 {pad}px; font-size: {small}px; }}
QProgressBar {{ border: 2px solid #4f6273; border-radius: 6px; text-align: center; }}
QProgressBar::chunk {{ background: #34c759; }}
"""


STYLE = stylesheet()  # the application's default (the window restyles itself to its size)
