"""The agency portal: what an agency member sees (the footage-request work grows it)."""
