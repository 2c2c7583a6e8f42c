"""Users, roles held at a jurisdiction or a place, login with two factors, API tokens."""
