"""The owner's actions, one function each, over the store's port and the storage directory.

The JSON API, the pages and background jobs call the same function, so a rule such as
"an event's files go before its row" is written once: `event_media.py` deletes an event
with its files and builds its clip on demand, `sharing.py` shares an event with the
Neighbors feed. The web layer only parses a request, calls the action and renders what
it returns."""
