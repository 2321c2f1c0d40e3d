"""Long lists of sessions are grouped by theme (RGAA 11.8: items of the same kind are grouped)."""

from types import SimpleNamespace

from calls.choices import session_choices


def test_sessions_are_grouped_by_theme_after_the_choice_of_all():
    itn6 = SimpleNamespace(code="ITN6", title="Guichet numérique")
    etna = SimpleNamespace(code="ETNA", title="Expérimentations")
    sessions = [
        SimpleNamespace(pk=1, name="Janvier", theme=itn6),
        SimpleNamespace(pk=2, name="2019", theme=etna),
        SimpleNamespace(pk=3, name="Février", theme=itn6),
    ]

    choices = session_choices(sessions, empty_label="Toutes")

    assert choices == [
        ("", "Toutes"),
        ("ITN6 — Guichet numérique", [(1, "ITN6 — Janvier"), (3, "ITN6 — Février")]),
        ("ETNA — Expérimentations", [(2, "ETNA — 2019")]),
    ]
