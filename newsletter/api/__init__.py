"""The read-only JSON API over live issues (`endpoints`), and the shapes it returns (`schemas`)."""
