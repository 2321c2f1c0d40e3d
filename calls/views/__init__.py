"""Views of the calls app: public pages, staff back-office, simulator."""
