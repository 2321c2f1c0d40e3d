"""Template helpers for accessible forms: the error summary lists the fields in error."""

from django import template

register = template.Library()


@register.filter
def invalid_fields(form) -> list:
    """The visible bound fields of `form` that carry errors, in the form's order."""
    return [field for field in form.visible_fields() if field.errors]


@register.filter
def field_ids(form, names) -> str:
    """The ids of the inputs of `form` named in `names` (e.g. the keys of an autosave's errors), space-separated."""
    return " ".join(form[name].id_for_label for name in names or () if name in form.fields)
