"""A high-contrast theme readable at arm's length: dark background, large type, big targets."""

from __future__ import annotations

BASE_PT = 15

STYLE = f"""
QWidget {{ background: #101418; color: #f4f6f8; font-size: {BASE_PT}pt; }}
QLineEdit, QSpinBox, QComboBox, QPlainTextEdit, QListWidget, QTableView {{
    background: #1c232b; color: #ffffff; border: 2px solid #3d4b59; border-radius: 6px;
    padding: 6px; selection-background-color: #ffd23f; selection-color: #101418;
}}
QLineEdit:focus, QSpinBox:focus, QListWidget:focus, QTableView:focus {{ border-color: #ffd23f; }}
QHeaderView::section {{ background: #26303a; color: #ffffff; padding: 6px; border: 0;
    font-weight: bold; }}
QPushButton {{ background: #26303a; color: #ffffff; border: 2px solid #4f6273;
    border-radius: 8px; padding: 8px 6px; min-height: 44px; font-weight: bold; }}
QPushButton:focus {{ border-color: #ffd23f; }}
QPushButton:pressed {{ background: #ffd23f; color: #101418; }}
QPushButton:disabled {{ color: #6b7785; border-color: #2c3640; }}
QPushButton[role="primary"] {{ background: #1f7a3a; border-color: #34c759; }}
QPushButton[role="danger"] {{ background: #7a1f1f; border-color: #ff5c5c; }}
QLabel[role="total"] {{ font-size: {BASE_PT * 3}pt; font-weight: bold; color: #7CFC9A; }}
QLabel[role="change"] {{ font-size: {BASE_PT * 3}pt; font-weight: bold; color: #ffd23f; }}
QLabel[role="title"] {{ font-size: {BASE_PT + 5}pt; font-weight: bold; }}
QLabel[role="muted"] {{ color: #aab4bf; }}
QLabel[role="error"] {{ background: #a51d1d; color: #ffffff; font-weight: bold;
    padding: 8px; border-radius: 6px; }}
QLabel[role="info"] {{ background: #1d4fa5; color: #ffffff; padding: 8px; border-radius: 6px; }}
QLabel[role="training"] {{ background: #ff8c00; color: #101418; font-weight: bold;
    padding: 4px 10px; }}
QCheckBox::indicator {{ width: 26px; height: 26px; border: 2px solid #aab4bf;
    border-radius: 4px; background: #1c232b; }}
QCheckBox::indicator:checked {{ background: #ffd23f; border-color: #ffd23f; }}
QStatusBar {{ background: #1c232b; }}
QStatusBar QLabel {{ padding: 0 6px; font-size: {BASE_PT - 4}pt; }}
QProgressBar {{ border: 2px solid #4f6273; border-radius: 6px; text-align: center; }}
QProgressBar::chunk {{ background: #34c759; }}
"""
