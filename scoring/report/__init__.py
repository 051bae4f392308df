"""Turning results into what people read: terminal tables, JSON, CSV."""
