"""Users, roles, API tokens, passwords and the guards that enforce them."""
