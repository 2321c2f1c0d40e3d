"""No error message can break when it is shown: every message of every form and service renders.

The attack: a derogation rate above 100 % in the public simulator gave a 500, because the
field's message « Le taux ne peut pas dépasser 100 %. » holds a bare « % » that Django's
%-formatting of validation messages cannot read (`ValueError: incomplete format`).

Two nets, so that no such message can come back:
- every message written in the source (gettext calls, strings given to DomainError and
  ValidationError, forms' error_messages) is read with `ast`; a message formatted with « % »
  (in place, by Django with a validator's parameters, or later: it holds a placeholder) must
  render with dummy values, hold no bare « % », name only the keys it is given and leave no « %( »;
- every field of every form of the project is cleaned with a battery of bad inputs, and each
  error it raises is rendered as Django renders it.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from django import forms
from django.urls import reverse

PROJECT = Path(__file__).resolve().parents[2]
PACKAGES = ("portal", "calls", "applications", "juries", "funding", "dashboard", "api")
GETTEXT = {"_", "gettext", "gettext_lazy", "gettext_noop", "ngettext", "ngettext_lazy", "pgettext", "pgettext_lazy"}
MESSAGE_CLASSES = {"DomainError", "ValidationError"}
PLACEHOLDER = re.compile(r"%(\((?P<name>[^)]*)\))?[#0\- +]*(\d+|\*)?(\.\d+)?[diouxXeEfFgGcrsa%]")


class Dummy(dict):
    """Any key a message names, with a value every conversion accepts."""

    def __missing__(self, key):
        return 1


@dataclass(frozen=True)
class Message:
    text: str
    where: str
    formatting: str  # "%": formatted by the code; "django": by Django with a validator's params; "": shown as written
    keys: frozenset | None = None  # the keys of the dict literal it is formatted with, when there is one


def _name(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def _literals(call: ast.Call) -> list[ast.Constant]:
    name = _name(call.func)
    if name in {"ngettext", "ngettext_lazy"}:
        candidates = call.args[:2]
    elif name in {"pgettext", "pgettext_lazy"}:
        candidates = call.args[1:2]
    else:
        candidates = call.args[:1]
    return [arg for arg in candidates if isinstance(arg, ast.Constant) and isinstance(arg.value, str)]


def _formatting(node: ast.AST, parents: dict) -> tuple[str, frozenset | None]:
    """How the message made by `node` (a gettext call or a literal) is formatted."""
    parent = parents.get(node)
    if isinstance(parent, ast.BinOp) and isinstance(parent.op, ast.Mod) and parent.left is node:
        keys = None
        if isinstance(parent.right, ast.Dict) and all(isinstance(key, ast.Constant) for key in parent.right.keys):
            keys = frozenset(key.value for key in parent.right.keys)
        return "%", keys
    while parent is not None:
        if isinstance(parent, ast.keyword) and parent.arg == "error_messages":
            return "django", None
        if isinstance(parent, (ast.Assign, ast.AnnAssign)):
            targets = parent.targets if isinstance(parent, ast.Assign) else [parent.target]
            if any(_name(target) in {"default_error_messages", "error_messages"} for target in targets):
                return "django", None
            break
        if isinstance(parent, ast.Call) and _name(parent.func) == "ValidationError":
            if any(keyword.arg == "params" for keyword in parent.keywords):
                return "django", None
            break
        if isinstance(parent, (ast.FunctionDef, ast.ClassDef, ast.Module)):
            break
        parent = parents.get(parent)
    return "", None


def source_messages() -> list[Message]:
    messages = []
    for package in PACKAGES:
        for path in sorted((PROJECT / package).rglob("*.py")) if (PROJECT / package).is_dir() else []:
            if "migrations" in path.parts:
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
            for node in ast.walk(tree):
                if not isinstance(node, ast.Call):
                    continue
                name = _name(node.func)
                if name in GETTEXT:
                    literals, made_by = _literals(node), node
                elif name in MESSAGE_CLASSES and node.args:
                    first = node.args[0]
                    literals = [first] if isinstance(first, ast.Constant) and isinstance(first.value, str) else []
                    made_by = first
                else:
                    continue
                formatting, keys = _formatting(made_by, parents)
                where = f"{path.relative_to(PROJECT)}:{node.lineno}"
                messages.extend(Message(literal.value, where, formatting, keys) for literal in literals)
    return messages


def message_problem(message: Message) -> str | None:
    """Why the message would break or show a stray « % », or None. A message with a placeholder is
    formatted somewhere (in place, or later from a variable); one without is shown as written."""
    text = message.text
    if not message.formatting and not re.search(r"%\(|%[sd]|%%", text):
        return None
    bare = PLACEHOLDER.sub("", text)
    if "%" in bare:
        return "« % » seul : écrivez « %% » ou un paramètre nommé"
    names = {match["name"] for match in PLACEHOLDER.finditer(text) if match["name"] is not None}
    if message.keys is not None and not names <= message.keys:
        return f"paramètres {sorted(names - message.keys)} absents du dictionnaire"
    positional = [m for m in PLACEHOLDER.finditer(text) if m["name"] is None and m.group() != "%%"]
    try:
        rendered = text % (tuple(1 for _ in positional) if positional and not names else Dummy())
    except (ValueError, TypeError, KeyError) as error:
        return f"ne se formate pas : {error!r}"
    if "%(" in rendered:
        return "« %( » reste après formatage"
    return None


def test_every_message_of_the_source_renders():
    messages = source_messages()
    problems = [f"{m.where} {m.text!r} : {problem}" for m in messages if (problem := message_problem(m))]
    print(f"\nMessages lus dans le code : {len(messages)}, dont {sum(1 for m in messages if m.formatting)} formatés.")
    assert len(messages) > 500  # the walk reads the whole project
    assert not problems, "\n".join(problems)


# --- Every field of every form, cleaned with bad inputs -------------------------------------------

BAD_INPUTS = [
    "",
    " ",
    "abc",
    "-1",
    "0",
    "150",
    "100,5",
    "1,234",
    "1e5",
    "NaN",
    "٣",
    "３",
    "²",
    "9" * 400,
    "1900",
    "9999",
    "0000-01-01",
    "9999-12-31",
    "1900-01-01 10:00",
    "x" * 20000,
    "50%",
    "%(value)s",
]


def project_forms() -> list[type[forms.BaseForm]]:
    for package in PACKAGES:
        try:
            module = importlib.import_module(package)
        except ModuleNotFoundError:
            continue
        for info in pkgutil.walk_packages(module.__path__, f"{package}."):
            if ".migrations" not in info.name and not info.name.endswith(".tests"):
                importlib.import_module(info.name)
    found, stack = [], [forms.BaseForm]
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        if cls.__module__.split(".")[0] in PACKAGES and hasattr(cls, "base_fields"):
            found.append(cls)
    return found


def field_problems(form_class, name: str, field: forms.Field) -> list[str]:
    problems = []
    for value in BAD_INPUTS:
        try:
            field.clean(value)
        except forms.ValidationError as error:
            try:
                rendered = error.messages
            except (ValueError, TypeError, KeyError) as exception:
                problems.append(
                    f"{form_class.__module__}.{form_class.__name__}.{name} ({value[:10]!r}) : {exception!r}"
                )
                continue
            leftovers = [m for m in rendered if "%(" in m or "%%" in m]
            if leftovers and value != "%(value)s":
                problems.append(f"{form_class.__module__}.{form_class.__name__}.{name} ({value[:10]!r}) : {leftovers}")
        except (AttributeError, TypeError) as exception:
            # A choice field whose queryset the form sets in __init__: its messages are read above, in the source.
            if not isinstance(field, forms.ModelChoiceField):
                problems.append(f"{form_class.__name__}.{name} ({value[:10]!r}) : {exception!r}")
    return problems


@pytest.mark.django_db
def test_every_form_field_renders_its_errors_for_bad_input():
    classes = project_forms()
    problems, fields = [], 0
    for form_class in classes:
        for name, field in form_class.base_fields.items():
            fields += 1
            problems.extend(field_problems(form_class, name, field))
    print(f"\nChamps de formulaire éprouvés : {fields} dans {len(classes)} formulaires.")
    assert len(classes) > 30
    assert not problems, "\n".join(problems)


@pytest.mark.django_db
def test_a_derogation_rate_above_100_percent_is_refused_in_french(client):
    from calls.rules import load_rules
    from tests.calls.model_factories import ThemeFactory

    theme = ThemeFactory(code="LIT", funding_rule=load_rules()["LIT"].to_dict())
    response = client.get(
        reverse("simulator:theme", args=[theme.pk]), {"carrier_kind": "ministere", "derogation_rate": "150"}
    )
    assert response.status_code == 200
    assert "Le taux ne peut pas dépasser 100 %." in response.content.decode().replace("\u202f", " ")
