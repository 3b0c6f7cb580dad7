"""What every area of the server uses and none of them owns.

Nothing here imports a feature area (accounts, homes, hubs, feed, agencies,
transparency); the areas import the kit.
"""
