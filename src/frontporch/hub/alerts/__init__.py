"""Alerts: the rules, one alert per review item, the alert desk and its channels (Web Push,
email, signed webhooks; MQTT adds its own)."""
