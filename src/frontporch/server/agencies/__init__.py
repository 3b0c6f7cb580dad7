"""Agencies: the operator's registry of verified agencies (whose names sign their
members' posts and comments in the feed), and the agency portal its members land on
(the footage-request work grows it)."""
