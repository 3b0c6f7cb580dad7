"""Posts: writing them (residents from a home, agencies at a point, hubs by upload),
reading a home's feed (one read path, cached), opening one post and its media, and
deleting."""
