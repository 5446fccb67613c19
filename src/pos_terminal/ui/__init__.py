"""The PySide6 cashier window: builds commands, calls services, shows results."""
