"""Choices of sessions for filters, grouped so that a list of hundreds stays readable."""


def session_choices(sessions, *, empty_label: str) -> list:
    """The sessions grouped by theme (one <optgroup> each, RGAA 11.8), after the "all" choice.

    `sessions` carry their theme; an option keeps the theme's code so that the closed list
    still says which theme the chosen session belongs to.
    """
    groups: dict[str, list] = {}
    for session in sessions:
        group = f"{session.theme.code} — {session.theme.title}"
        groups.setdefault(group, []).append((session.pk, f"{session.theme.code} — {session.name}"))
    return [("", empty_label), *groups.items()]
