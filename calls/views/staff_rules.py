"""Staff pages of a theme's co-financing rule: the form with its plain-French rendering and a live
trial beside it (htmx), the versions, and YAML export and import of the rule.
"""

from decimal import Decimal

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from calls import selectors
from calls.forms_rule import RuleEditor
from calls.rules import Rule, describe_rule
from calls.services import rules as rule_services
from calls.simulation import simulate
from calls.views.staff import call_crumbs, managed_theme, staff_view
from portal.errors import DomainError

PREVIEW_TARGET = "regle-apercu"
MAX_YAML_BYTES = 200 * 1024


def _rule_url(theme) -> str:
    return reverse("calls_staff:theme_rule", args=[theme.call_id, theme.pk])


def _crumbs(theme, current: str, *links) -> dict:
    theme_url = reverse("calls_staff:theme_detail", args=[theme.call_id, theme.pk])
    return call_crumbs(theme.call, (theme_url, theme.code), *links, current=current)


def _preview(editor: RuleEditor, data) -> dict:
    """The rule as typed, in plain French, and a trial budget judged by it (or every problem)."""
    if not editor.is_valid():
        return {"errors": editor.error_sentences(), "sentences": [], "simulation": None}
    rule = editor.rule
    return {"errors": [], "sentences": describe_rule(rule), "simulation": simulate(data, rule, all_fields=True)}


@staff_view
def theme_rule(request, call_id: int, theme_id: int):
    """The rule as a form: saving creates a new version once the current one has judged a dossier."""
    theme = managed_theme(request, call_id, theme_id)
    current = selectors.current_rule_version(theme)
    rule = current.rule if current else None
    editor = RuleEditor(request.POST or None, rule=rule, tax_basis=theme.call.tax_basis)
    if request.method == "POST" and editor.is_valid():
        try:
            version = rule_services.theme_rule_save(
                actor=request.user, theme=theme, rule=editor.rule, note=editor.note.cleaned_data["note"]
            )
        except DomainError as error:
            editor.form.add_error(None, error.message)
        else:
            if current is not None and version.pk == current.pk and version.config == current.config:
                messages.info(request, _("La règle n'a pas changé."))
            elif current is not None and version.pk != current.pk:
                messages.success(
                    request,
                    _(
                        "Règle enregistrée en version %(number)s, appliquée dès maintenant. Les dossiers déjà "
                        "déposés gardent la version %(previous)s sur laquelle ils ont été jugés."
                    )
                    % {"number": version.number, "previous": current.number},
                )
            else:
                messages.success(request, _("Règle enregistrée (version %(number)s).") % {"number": version.number})
            return redirect(_rule_url(theme))
    if request.method == "POST":
        preview = _preview(editor, request.POST)
    else:
        preview = {"errors": [], "sentences": describe_rule(rule) if rule else [], "simulation": None}
    # The trial's inputs stay on the page while the rule changes: built once, with every field.
    trial = simulate(
        QueryDict(), rule or Rule(tax_basis=theme.call.tax_basis, rate_percent=Decimal(0)), all_fields=True
    )
    versions = selectors.rule_versions_of(theme)
    return render(
        request,
        "calls/staff/rule.html",
        {
            "call": theme.call,
            "theme": theme,
            "editor": editor,
            "current": current,
            "versions": versions,
            "judged": bool(versions and versions[0].judged),
            "preview": preview,
            "preview_target": PREVIEW_TARGET,
            "trial": trial,
            "breadcrumb_data": _crumbs(theme, _("Règle de cofinancement")),
        },
    )


@staff_view
def theme_rule_preview(request, call_id: int, theme_id: int):
    """htmx: the typed rule in plain French and the trial budget, refreshed as staff type."""
    theme = managed_theme(request, call_id, theme_id)
    if request.method != "POST":
        return redirect(_rule_url(theme))
    editor = RuleEditor(request.POST)
    return render(request, "calls/staff/partials/rule_preview.html", {"preview": _preview(editor, request.POST)})


def _version(theme, number: int):
    version = next((v for v in selectors.rule_versions_of(theme) if v.number == number), None)
    if version is None:
        raise Http404
    return version


@staff_view
def theme_rule_version(request, call_id: int, theme_id: int, number: int):
    """One version in plain French, with the dossiers it judged."""
    theme = managed_theme(request, call_id, theme_id)
    version = _version(theme, number)
    return render(
        request,
        "calls/staff/rule_version.html",
        {
            "call": theme.call,
            "theme": theme,
            "version": version,
            "sentences": describe_rule(version.rule),
            "breadcrumb_data": _crumbs(
                theme,
                _("Version %(number)s") % {"number": version.number},
                (_rule_url(theme), _("Règle de cofinancement")),
            ),
        },
    )


@staff_view
def theme_rule_export(request, call_id: int, theme_id: int, number: int):
    """One version as YAML (the format of docs/call-format.md, key `funding_rule`)."""
    theme = managed_theme(request, call_id, theme_id)
    version = _version(theme, number)
    response = HttpResponse(rule_services.rule_to_yaml(version.rule), content_type="application/yaml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="regle-{theme.code}-v{version.number}.yaml"'
    return response


class RuleImportForm(forms.Form):
    rule_file = forms.FileField(
        label=gettext_lazy("Fichier YAML de la règle"),
        required=False,
        help_text=gettext_lazy("Celui qu'exporte cette page, ou la clé « funding_rule » d'un appel exporté."),
    )
    rule_yaml = forms.CharField(
        label=gettext_lazy("Ou bien la règle collée en YAML"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 14}),
    )

    def text(self) -> str:
        upload = self.cleaned_data.get("rule_file")
        if upload is None:
            return self.cleaned_data.get("rule_yaml") or ""
        if upload.size > MAX_YAML_BYTES:
            raise DomainError(_("Le fichier dépasse 200 Ko."), "rule_invalid", field="rule_file")
        try:
            return upload.read().decode("utf-8")
        except UnicodeDecodeError:
            raise DomainError(_("Le fichier n'est pas un texte UTF-8."), "rule_invalid", field="rule_file") from None


@staff_view
def theme_rule_import(request, call_id: int, theme_id: int):
    """Replace the rule from a YAML text or file, through the same versioning as the form."""
    theme = managed_theme(request, call_id, theme_id)
    form = RuleImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            rule = rule_services.rule_from_yaml(form.text())
            version = rule_services.theme_rule_save(
                actor=request.user, theme=theme, rule=rule, note=_("Import d'un fichier YAML")
            )
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else "rule_yaml", error.message)
        else:
            messages.success(request, _("Règle importée (version %(number)s).") % {"number": version.number})
            return redirect(_rule_url(theme))
    return render(
        request,
        "calls/staff/form_page.html",
        {
            "form": form,
            "title": _("Importer la règle du thème %(code)s (YAML)") % {"code": theme.code},
            "intro": _(
                "La règle est vérifiée entière avant d'être enregistrée ; une fois des dossiers jugés sur la version "
                "actuelle, elle devient une nouvelle version."
            ),
            "submit_label": _("Importer la règle"),
            "multipart": True,
            "cancel_url": _rule_url(theme),
            "breadcrumb_data": _crumbs(theme, _("Importer"), (_rule_url(theme), _("Règle de cofinancement"))),
        },
    )
