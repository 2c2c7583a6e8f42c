"""Frontline: the working system of a district Foreign Affairs Office in a public-health emergency."""
