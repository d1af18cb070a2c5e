"""The meeting room: screen, console, live stream, colleagues' phones, and the CMR panel day."""
