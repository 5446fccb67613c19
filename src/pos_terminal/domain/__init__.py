"""Pure business rules: no Qt, SQLAlchemy, httpx, pyserial or escpos here."""
