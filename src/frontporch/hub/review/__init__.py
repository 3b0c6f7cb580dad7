"""Review items: a camera's overlapping and back-to-back events as one thing to look at."""
