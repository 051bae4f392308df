"""Reading what users give us: criteria files and submitted data."""
