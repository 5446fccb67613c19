#!/usr/bin/env bash
# Screenshots of the real cashier window under Xvfb into docs/screenshots/: the window at
# 1024x768 (the screen is 1920x1080 so that every size fits), and the sale at each screen size
# (sale-800x600.png ... sale-1920x1080.png, tests/ui/test_scenario_screens.py).
# Needs Debian's xvfb, xauth, libxcb-icccm4, libxcb-keysyms1, libxcb-cursor0 (see docs).
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-docs/screenshots}
POS_SCREENSHOTS="$out" QT_QPA_PLATFORM=xcb xvfb-run -a -s "-screen 0 1920x1080x24" \
  .venv/bin/python -m pytest -q -p no:cacheprovider tests/ui/test_shift_flow.py tests/ui/test_reports_view.py tests/ui/test_age_check.py tests/ui/test_customer_display.py tests/ui/test_deposit_flow.py tests/ui/test_receiving_screen.py tests/ui/test_transfer_screens.py tests/ui/test_stock_screens.py tests/ui/test_count_approval_screen.py tests/ui/test_scenario_returns.py tests/ui/test_scenario_screens.py -k "long_named_sale or return_against or groups_repeated or item_barcode_where or manager_approves or blind_count or adjust_stock or low_stock_list or transfer or receive_a_po or full_shift or department_chart or confirmed_check or thank_you_and_back or promotion_savings or deposit"
ls -la "$out"
