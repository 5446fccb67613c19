"""Device adapters (scanner, printer, drawer). Never imports Qt: workers report by callbacks."""
