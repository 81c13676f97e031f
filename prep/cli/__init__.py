"""The command line. The app lives in app.py so `prep status` can skip importing it."""
