"""Instruction queues, juries, conflicts of interest, scoring, consensus, deliberation, decisions."""

app_name = "juries"

urlpatterns: list = []
