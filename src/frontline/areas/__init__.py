"""The jurisdiction tree (city, district, street, community) and places (hotels, transfer points)."""
