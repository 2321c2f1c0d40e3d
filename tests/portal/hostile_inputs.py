"""What an attacker types into number and date fields, shared by the tests of every form family."""

HOSTILE_NUMBERS = {
    "Arabic-Indic digit": "٣",
    "full-width digit": "３",
    "superscript": "²",
    "400 digits": "9" * 400,
    "exponent": "1e999999",
    "not a number": "NaN",
}
HOSTILE_YEARS = {"year 0": "0", "year 1900": "1900", "year 9999": "9999"}
HOSTILE_DATES = {
    "year 1": "0001-01-01",
    "year 1900": "1900-06-01",
    "year 9999": "9999-12-31",
    "Arabic-Indic date": "٢٠٢٦-٠١-٠١",
}
