"""The hostile-input corpus and the checks its tests share (see README.md)."""
