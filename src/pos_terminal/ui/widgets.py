"""Small widgets shared by the screens: F-key buttons, the message bar, labels that fit their
room, the on-screen keypad, and the base of every dialog (which always fits on the screen)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial

from PySide6.QtCore import QEvent, QObject, QRect, QSize, Qt, QTimer
from PySide6.QtGui import (
    QFont,
    QFontMetrics,
    QKeyEvent,
    QKeySequence,
    QPainter,
    QPalette,
    QResizeEvent,
    QShortcut,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QAbstractSpinBox,
    QApplication,
    QDialog,
    QGridLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScroller,
    QSizePolicy,
    QStyle,
    QStyleOptionButton,
    QStylePainter,
    QTableView,
    QWidget,
)

from pos_terminal.ui.theme import BASE_PX, TOUCH_PX, row_px

MIN_TEXT_PX = 9  # text never shrinks below this to fit (then it is elided)


def set_role(widget: QWidget, role: str) -> None:
    """Restyle a widget through the theme's ``role`` property."""
    widget.setProperty("role", role)
    widget.style().unpolish(widget)
    widget.style().polish(widget)


def text_px(widget: QWidget) -> int:
    """The widget's text size in pixels as the style sheet set it."""
    f = widget.font()
    return f.pixelSize() if f.pixelSize() > 0 else round(f.pointSizeF() * 96 / 72)


def _sized(font: QFont, px: int) -> QFont:
    f = QFont(font)
    f.setPixelSize(max(1, px))
    return f


def _splits(text: str) -> list[list[str]]:
    """``text`` on one line, then broken at each space into two lines (most even first)."""
    words = text.split(" ")
    two = [[" ".join(words[:i]), " ".join(words[i:])] for i in range(1, len(words))]
    two.sort(key=lambda pair: abs(len(pair[0]) - len(pair[1])))
    return [[text], *two]


def fit_lines(font: QFont, candidates: Sequence[Sequence[str]], room: QSize,
              largest: int) -> tuple[int, list[str]]:
    """The largest text size (≤ ``largest`` px) at which one of ``candidates`` (each a list of
    lines, best first) fits ``room``, and those lines; (0, first) when none fits even at
    ``MIN_TEXT_PX``."""
    for px in range(largest, MIN_TEXT_PX - 1, -1):
        fm = QFontMetrics(_sized(font, px))
        for lines in candidates:
            if (len(lines) * fm.lineSpacing() <= room.height()
                    and max(fm.horizontalAdvance(line) for line in lines) <= room.width()):
                return px, list(lines)
    return 0, list(candidates[0])


class KeyGroup:
    """Buttons (F-keys, keypad keys) that draw their text at one size (the largest all of
    them fit), so a row or grid of keys reads evenly."""

    def __init__(self) -> None:
        self.buttons: list[FitButton] = []
        self._px: int | None = None

    def add(self, button: FitButton) -> None:
        self.buttons.append(button)
        button.group = self
        self.changed()

    def changed(self) -> None:
        if self._px is not None:
            self._px = None
            for b in self.buttons:
                b.update()

    def px(self) -> int:
        if self._px is None:
            shown = [b for b in self.buttons if b.isVisible()] or self.buttons
            self._px = min(b.own_fit()[0] for b in shown)
        return self._px


class FitButton(QPushButton):
    """A button whose text is drawn to fit the room the layout gives it: on a small screen a
    long label wraps onto another line and then shrinks, so a row of buttons never forces the
    window wider than the screen and a label is never cut. Buttons of one ``KeyGroup`` share
    one text size."""

    def __init__(self, text: str, parent: QWidget) -> None:
        super().__init__(text, parent)
        self.group: KeyGroup | None = None
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)

    def _room(self) -> QRect:
        opt = QStyleOptionButton()
        self.initStyleOption(opt)
        return self.style().subElementRect(QStyle.SubElement.SE_PushButtonContents, opt, self)

    def _candidates(self) -> list[list[str]]:
        """The ways to lay the text out, best first (each a list of lines)."""
        return _splits(self.text())

    def own_fit(self) -> tuple[int, list[str]]:
        """The largest text size (px) and its lines that fit this button alone."""
        return fit_lines(self.font(), self._candidates(), self._room().size(), text_px(self))

    def fitted(self) -> tuple[int, list[str]]:
        """The text size (px) and lines the button draws now (its group's size when it has
        one); 0 px: it does not fit."""
        if self.group is None:
            return self.own_fit()
        px = self.group.px()
        return fit_lines(self.font(), self._candidates(), self._room().size(), px) if px \
            else (0, self._candidates()[0])

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self.group is not None:
            self.group.changed()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange and self.group is not None:
            self.group.changed()

    def sizeHint(self) -> QSize:
        fm = QFontMetrics(self.font())
        lines = self._candidates()[0]
        width = max(fm.horizontalAdvance(line) for line in lines)
        extra = self.size() - self._room().size()  # padding and border from the style sheet
        return QSize(width + max(extra.width(), 16), len(lines) * fm.lineSpacing()
                     + max(extra.height(), 12)).expandedTo(QSize(TOUCH_PX, TOUCH_PX))

    def minimumSizeHint(self) -> QSize:
        fm = QFontMetrics(_sized(self.font(), max(MIN_TEXT_PX, text_px(self) * 2 // 3)))
        lines = len(self._candidates()[0])
        return QSize(TOUCH_PX, max(TOUCH_PX, lines * fm.lineSpacing() + 8))

    def paintEvent(self, event: object) -> None:
        opt = QStyleOptionButton()
        self.initStyleOption(opt)
        opt.text = ""
        p = QStylePainter(self)
        p.drawControl(QStyle.ControlElement.CE_PushButton, opt)  # the face, from the theme
        room = self._room()
        px, lines = self.fitted()
        font = _sized(self.font(), px or MIN_TEXT_PX)
        p.setFont(font)
        group = QPalette.ColorGroup.Active if self.isEnabled() else QPalette.ColorGroup.Disabled
        p.setPen(self.palette().color(group, QPalette.ColorRole.ButtonText))
        text = "\n".join(lines)
        if not px:  # even the smallest type does not fit: cut each line with an ellipsis
            fm = QFontMetrics(font)
            text = "\n".join(fm.elidedText(line, Qt.TextElideMode.ElideRight, room.width())
                             for line in lines)
        p.drawText(room, int(Qt.AlignmentFlag.AlignCenter), text)


class FunctionButton(FitButton):
    """A button that shows its shortcut ("F12 Pay") and fires on it anywhere in its window;
    its text fits its room (``FitButton``)."""

    def __init__(self, key: str, text: str, slot: Callable[[], None], parent: QWidget,
                 role: str = "") -> None:
        super().__init__(f"{key}\n{text}", parent)
        self.key = key
        self.caption = text
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # focus stays on the scan field
        self.clicked.connect(slot)
        # Owned by the button (dies with it); fires while its window is active and it is shown.
        self.shortcut = QShortcut(QKeySequence(key), self)
        self.shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
        self.shortcut.activated.connect(self._fire)
        if role:
            set_role(self, role)

    def _fire(self) -> None:
        if self.isEnabled() and self.isVisible():
            self.click()

    def _candidates(self) -> list[list[str]]:
        return [[self.key, *lines] for lines in _splits(self.caption)]


class FitLabel(QLabel):
    """A label whose text shrinks to its room instead of being cut (the total, the change).

    Its theme size (the ``role``'s font-size) is the largest it draws; an empty label takes no
    room."""

    def sizeHint(self) -> QSize:
        if not self.text():
            return QSize(0, 0)
        fm = QFontMetrics(self.font())
        m = self.contentsMargins()
        return QSize(fm.horizontalAdvance(self.text()) + m.left() + m.right(),
                     fm.lineSpacing() + m.top() + m.bottom())

    def minimumSizeHint(self) -> QSize:
        if not self.text():
            return QSize(0, 0)
        fm = QFontMetrics(_sized(self.font(), max(MIN_TEXT_PX, text_px(self) * 2 // 3)))
        return QSize(fm.averageCharWidth() * 4, fm.lineSpacing())

    def fitted_px(self) -> int:
        """The text size it draws at now (0: not even the smallest fits)."""
        if not self.text():
            return 0
        px, _ = fit_lines(self.font(), [[self.text()]], self.contentsRect().size(),
                          text_px(self))
        return px

    def paintEvent(self, event: object) -> None:
        p = QPainter(self)
        px = self.fitted_px()
        font = _sized(self.font(), px or MIN_TEXT_PX)
        p.setFont(font)
        p.setPen(self.palette().color(QPalette.ColorRole.WindowText))
        text = self.text() if px else QFontMetrics(font).elidedText(
            self.text(), Qt.TextElideMode.ElideRight, self.contentsRect().width())
        p.drawText(self.contentsRect(), int(self.alignment() | Qt.AlignmentFlag.AlignVCenter),
                   text)


class StatusLabel(QLabel):
    """A status-bar field: cut with "…" when the bar is short of room (the whole text is its
    tooltip), so every field keeps a place on a narrow screen. ``keep`` characters are always
    shown (a short field such as the register id is never cut)."""

    keep = 6

    def setText(self, text: str) -> None:
        super().setText(text)
        self.setToolTip(text)

    def minimumSizeHint(self) -> QSize:
        text = self.text()
        kept = text if len(text) <= self.keep else text[:self.keep] + "…"
        return QSize(QFontMetrics(self.font()).horizontalAdvance(kept) + self._pad(),
                     super().minimumSizeHint().height())

    def _pad(self) -> int:
        return self.sizeHint().width() - QFontMetrics(self.font()).horizontalAdvance(self.text())

    def shown_text(self) -> str:
        """What is visible now (the text, or its start and "…")."""
        fm = QFontMetrics(self.font())
        room = self.width() - self._pad()
        if fm.horizontalAdvance(self.text()) <= room:
            return self.text()
        return fm.elidedText(self.text(), Qt.TextElideMode.ElideRight, max(room, 0))

    def paintEvent(self, event: object) -> None:
        if self.shown_text() == self.text():
            super().paintEvent(event)
            return
        full = self.text()
        super().setText(self.shown_text())  # draw the short text with the theme's box
        try:
            super().paintEvent(event)
        finally:
            super().setText(full)


class MessageBar(QLabel):
    """Errors in red with a beep, information in blue; cleared after a while."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__("", parent)
        self.setWordWrap(True)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.clear_message)
        self.clear_message()

    def minimumSizeHint(self) -> QSize:
        # one line is always kept, so a message does not push the screen down when it comes
        hint = super().minimumSizeHint()
        return QSize(hint.width(), max(hint.height(), QFontMetrics(self.font()).lineSpacing()
                                       + 2 * max(4, text_px(self) * 7 // 20) + 4))

    def error(self, text: str) -> None:
        QApplication.beep()  # the audible cue: the cashier may be looking at the customer
        self._show(text, "error", 8000)

    def info(self, text: str) -> None:
        self._show(text, "info", 5000)

    def _show(self, text: str, role: str, ms: int) -> None:
        self.setText(text)
        set_role(self, role)
        self.setVisible(True)
        self._timer.start(ms)

    def clear_message(self) -> None:
        self.setText("")
        set_role(self, "muted")

    @property
    def kind(self) -> str:
        return str(self.property("role") or "")


def touch_rows(view: QAbstractItemView) -> None:
    """Rows a finger can hit (at least ``TOUCH_PX`` high, more with larger text), and flick
    scrolling on a touch screen."""
    if isinstance(view, QTableView):
        header = view.verticalHeader()
        header.setMinimumSectionSize(TOUCH_PX)
        header.setDefaultSectionSize(row_px(text_px(view)))
    QScroller.grabGesture(view.viewport(), QScroller.ScrollerGestureType.TouchGesture)
    view.installEventFilter(_ROWS)


class _RowSizer(QObject):
    """Keeps table rows as tall as the theme's text needs when the window restyles itself."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.FontChange and isinstance(watched, QTableView):
            watched.verticalHeader().setDefaultSectionSize(row_px(text_px(watched)))
        return False


_ROWS = _RowSizer()


# -- the on-screen keypad -----------------------------------------------------------------------
BACKSPACE, CLEAR, ENTER = "⌫", "C", "Enter"


def store_separator(widget: QWidget) -> str:
    """The store's decimal separator (from ``[store] locale``), from the register the
    widget's window shows; "." when there is none."""
    w: QWidget | None = widget
    while w is not None:
        app = getattr(w, "app", None)
        settings = getattr(app, "settings", None)
        if settings is not None:
            return str(settings.decimal_separator)
        w = w.parentWidget()
    return "."


def _typing_target(keypad: QWidget, fallback: QWidget | None) -> QWidget | None:
    """The field the keypad types into: the focused text field, spin box or editable text box
    of the keypad's window, else ``fallback``."""
    w = QApplication.focusWidget()
    if isinstance(w, QLineEdit) and isinstance(w.parentWidget(), QAbstractSpinBox):
        w = w.parentWidget()  # the spin box's own line edit: type into the spin box
    if (isinstance(w, QLineEdit | QAbstractSpinBox | QPlainTextEdit)
            and w.window() is keypad.window() and w.isEnabled()
            and not (isinstance(w, QPlainTextEdit) and w.isReadOnly())):
        return w
    return fallback


def _key_event(target: QWidget, key: Qt.Key, text: str = "",
               mods: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
        QApplication.sendEvent(target, QKeyEvent(kind, key, mods, text))


class Keypad(QWidget):
    """Big keys for a touch screen: digits, the store's decimal separator, backspace, clear and
    Enter, typed into whichever field has focus in its window (``fallback`` when none has).

    Each tap reaches the field as a key press, exactly as the keyboard's would: Enter submits
    the field the way the Enter key does, a spin box or an amount field checks what it gets.
    Its keys never take the focus from the field. ``strip``: one row of keys (under a screen's
    table, where a block of keys beside it would take the columns' room)."""

    def __init__(self, parent: QWidget, separator: bool = True, extra: Sequence[str] = (),
                 fallback: QWidget | None = None, strip: bool = False) -> None:
        """``separator``: a key for the store's decimal separator (amounts, weights);
        ``extra``: more keys that type themselves ("%", "-")."""
        super().__init__(parent)
        self.fallback = fallback
        self.buttons: dict[str, FitButton] = {}
        self.group = KeyGroup()
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(6)
        grid.setSizeConstraint(QLayout.SizeConstraint.SetMinAndMaxSize)  # keys, not slabs
        bottom = [k for k in (store_separator(parent) if separator else "", *extra) if k]
        if strip:
            for i, k in enumerate([*"1234567890", *bottom, BACKSPACE, CLEAR]):
                self._add(grid, k, 0, i, narrow=True)
            self._add(grid, ENTER, 0, grid.columnCount(), span=2, narrow=True)
        else:
            layout = [("7", 0, 0), ("8", 0, 1), ("9", 0, 2), (BACKSPACE, 0, 3),
                      ("4", 1, 0), ("5", 1, 1), ("6", 1, 2), (CLEAR, 1, 3),
                      ("1", 2, 0), ("2", 2, 1), ("3", 2, 2)]
            for k, row, col in layout:
                self._add(grid, k, row, col)
            self._add(grid, "0", 3, 0, span=3 - len(bottom[:2]))
            for i, k in enumerate(bottom[:2]):
                self._add(grid, k, 3, 3 - len(bottom[:2]) + i)
            self._add(grid, ENTER, 2, 3, rows=2)
        self.buttons[ENTER].setProperty("role", "primary")
        self.group.buttons.remove(self.buttons[ENTER])  # a word among digits: fits alone
        self.buttons[ENTER].group = None

    def _add(self, grid: QGridLayout, key: str, row: int, col: int, span: int = 1,
             rows: int = 1, narrow: bool = False) -> None:
        b = FitButton(key, self)
        b.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the field keeps the focus
        b.setProperty("role", "key")
        self.group.add(b)
        b.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        b.setMinimumSize(TOUCH_PX + (0 if narrow else 12), TOUCH_PX + 4)
        b.setMaximumSize(TOUCH_PX * 3 * span, round(TOUCH_PX * 2.2) * rows)  # not slabs
        b.setAccessibleName(f"keypad {key}")
        b.clicked.connect(partial(self.press, key))
        self.buttons[key] = b
        grid.addWidget(b, row, col, rows, span)

    def press(self, key: str) -> None:
        """What a tap on ``key`` does."""
        target = _typing_target(self, self.fallback)
        if target is None:
            return
        if not target.hasFocus():
            target.setFocus()
        if key == BACKSPACE:
            _key_event(target, Qt.Key.Key_Backspace)
        elif key == CLEAR:
            _key_event(target, Qt.Key.Key_A, "", Qt.KeyboardModifier.ControlModifier)
            _key_event(target, Qt.Key.Key_Backspace)
        elif key == ENTER:
            _key_event(target, Qt.Key.Key_Return, "\r")
        else:
            keys = {".": Qt.Key.Key_Period, ",": Qt.Key.Key_Comma, "-": Qt.Key.Key_Minus,
                    "%": Qt.Key.Key_Percent}
            code = Qt.Key(ord(key)) if key.isdigit() else keys.get(key, Qt.Key.Key_unknown)
            _key_event(target, code, key)


# -- dialogs --------------------------------------------------------------------------------------
def screen_room(widget: QWidget) -> QRect:
    """Where a dialog of ``widget``'s window may go: its screen's free area, and inside the
    main window when that is smaller (a windowed register)."""
    parent = widget.parentWidget()
    top = parent.window() if parent is not None else None
    screen = (top or widget).screen()
    area = screen.availableGeometry() if screen is not None else QRect(0, 0, 800, 600)
    if top is not None and top.isVisible():
        inside = area.intersected(top.frameGeometry())
        if inside.width() >= 200 and inside.height() >= 200:
            area = inside
    return area


class Dialog(QDialog):
    """The base of the register's dialogs: each time it opens it takes the size its content
    asks for (the size a dialog set in its constructor grows with the theme's text), never more
    than the screen, centred on its window and wholly inside the screen. Content that can be
    long scrolls inside it (lists, text, ``QScrollArea``)."""

    _preferred: QSize | None = None
    _placed = False

    def showEvent(self, event: object) -> None:
        if not self._placed:
            self._placed = True
            # resize() in a constructor marks the wanted size; otherwise Qt sized it to fit
            self._preferred = (QSize(self.size()) if self.testAttribute(
                Qt.WidgetAttribute.WA_Resized) else QSize(0, 0))
        self.fit_to_screen()
        super().showEvent(event)  # type: ignore[arg-type]
        QTimer.singleShot(0, self, self.fit_to_screen)  # again once the frame's size is known

    def fit_to_screen(self) -> None:
        area = screen_room(self)
        frame = self.frameGeometry().size() - self.size()  # a title bar, when there is one
        room = QSize(area.width() - frame.width(), area.height() - frame.height())
        grow = text_px(self) / BASE_PX
        want = self._preferred or QSize(0, 0)
        size = (QSize(round(want.width() * grow), round(want.height() * grow))
                .expandedTo(self.sizeHint()).expandedTo(self.minimumSizeHint())
                .boundedTo(room))
        self.resize(size)
        parent = self.parentWidget()
        centre = parent.window().frameGeometry().center() if parent is not None \
            else area.center()
        x = min(max(centre.x() - (size.width() + frame.width()) // 2, area.left()),
                area.right() + 1 - size.width() - frame.width())
        y = min(max(centre.y() - (size.height() + frame.height()) // 2, area.top()),
                area.bottom() + 1 - size.height() - frame.height())
        self.move(max(x, area.left()), max(y, area.top()))
