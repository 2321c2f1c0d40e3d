"""The programme dashboard: figures drawn from every app, so it stands above them all (nothing imports it)."""
