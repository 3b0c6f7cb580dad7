"""MQTT and Home Assistant discovery for the hub.

`config.py` (the `mqtt:` section), `topics.py` (topics and payloads, pure),
`occupancy.py` (counts per label, pure), `discovery.py` (Home Assistant configs, pure),
`client.py` (the paho-mqtt connection), `bridge.py` (changes out, commands in) and
`channel.py` (alerts). Nothing is imported here: `hub/config.py` imports `config.py`
early, and importing the rest from this package would make that a cycle.
"""
