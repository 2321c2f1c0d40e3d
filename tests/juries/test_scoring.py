"""The grid's arithmetic without a database: weights, sub-criteria, N/A, thresholds, dispersion, severity, ties."""

from decimal import Decimal as D

from juries import scoring

GRID = [
    scoring.GridItem("A", "Intérêt", D("2"), D("0"), D("5"), D("0.5"), threshold=D("2")),
    scoring.GridItem(
        "B",
        "Faisabilité",
        D("1"),
        D("0"),
        D("10"),
        D("1"),
        threshold=D("5"),
        children=(
            scoring.GridItem("B1", "Équipe", D("1"), D("0"), D("10"), D("1"), allows_not_applicable=True),
            scoring.GridItem("B2", "Calendrier", D("3"), D("0"), D("10"), D("1")),
        ),
    ),
]


def test_weighted_total_with_sub_criteria():
    result = scoring.grid_total(GRID, {"A": {"score": "4"}, "B1": {"score": "8"}, "B2": {"score": "6"}})
    # A: 4/5 = 0.8; B: (1×0.8 + 3×0.6)/4 = 0.65 → 6.5/10; total (2×0.8 + 1×0.65)/3 = 0.75
    assert result.criteria["B"].score == D("6.5")
    assert result.total == D("75.000")
    assert not result.fails


def test_not_applicable_is_excluded_not_zero():
    result = scoring.grid_total(GRID, {"A": {"score": "4"}, "B1": {"na": True}, "B2": {"score": "6"}})
    assert result.criteria["B1"].score is None
    assert result.criteria["B"].score == D("6")  # B2 alone, not (0 + 3×6)/4
    assert result.total == scoring._round((D("2") * D("0.8") + D("0.6")) / 3 * 100)


def test_thresholds_per_criterion_and_overall():
    result = scoring.grid_total(
        GRID, {"A": {"score": "1.5"}, "B1": {"score": "2"}, "B2": {"score": "4"}}, pass_mark=D("50")
    )
    assert set(result.failed) == {"A", "B", "_total"}
    assert (
        scoring.grid_total(
            GRID, {"A": {"score": "5"}, "B1": {"score": "10"}, "B2": {"score": "10"}}, pass_mark=D("50")
        ).failed
        == ()
    )


def test_sheet_errors_scale_step_na_and_comment():
    errors = scoring.sheet_errors(
        GRID, {"A": {"score": "4.25"}, "B1": {"score": "11"}, "B2": {"na": True}}, complete=True
    )
    assert errors == {
        "A": "La note doit suivre un pas de 0.5.",
        "B1": "La note doit être comprise entre 0 et 10.",
        "B2": "« Sans objet » n'est pas permis pour ce critère.",
    }
    assert scoring.sheet_errors(GRID, {"A": {"score": "4.5"}}, complete=False) == {}
    missing = scoring.sheet_errors(
        GRID, {"A": {"score": "4.5"}, "B1": {"na": True}, "B2": {"score": "3"}}, complete=True
    )
    assert missing == {
        "A": "Un commentaire est obligatoire.",
        "B1": "Justifiez « sans objet » par un commentaire.",
        "B2": "Un commentaire est obligatoire.",
    }


def test_dispersion_figures():
    result = scoring.dispersion([D("60"), D("70"), D("80")], threshold=D("15"))
    assert result.mean == D("70.000")
    assert result.std_dev == D("8.165")
    assert result.spread == D("20.000")
    assert result.divergent
    assert not scoring.dispersion([D("60"), D("70")], threshold=D("15")).divergent
    assert scoring.dispersion([]).count == 0


def test_severity_is_mean_offset_from_the_others():
    offsets = scoring.severity(
        {1: {10: D("50"), 11: D("70")}, 2: {10: D("40"), 11: D("60"), 12: D("80")}, 3: {10: D("90")}}
    )
    # juror 10: (50-70) and (40-70) → -25; juror 11: +20 and (60-60)=0 → +10; juror 12: 80-50 → +30
    assert offsets == {10: D("-25.000"), 11: D("10.000"), 12: D("30.000")}


def test_ranking_ties_broken_by_configured_criteria_order():
    strong_b = scoring.grid_total(GRID, {"A": {"score": "3"}, "B1": {"score": "10"}, "B2": {"score": "10"}})
    strong_a = scoring.grid_total(GRID, {"A": {"score": "5"}, "B1": {"score": "2"}, "B2": {"score": "2"}})
    assert strong_b.total == strong_a.total == D("73.333")
    rows = [("X-1", strong_a), ("X-2", strong_b)]
    by_b = sorted(rows, key=lambda r: scoring.ranking_key(r[1].total, r[1].criteria, ["B", "A"], r[0]))
    by_a = sorted(rows, key=lambda r: scoring.ranking_key(r[1].total, r[1].criteria, ["A"], r[0]))
    assert [r[0] for r in by_b] == ["X-2", "X-1"]
    assert [r[0] for r in by_a] == ["X-1", "X-2"]
    no_rule = sorted(rows[::-1], key=lambda r: scoring.ranking_key(r[1].total, r[1].criteria, [], r[0]))  # noqa: C415 (reversed input: the order must come from the key, not the input)
    assert [r[0] for r in no_rule] == ["X-1", "X-2"]
