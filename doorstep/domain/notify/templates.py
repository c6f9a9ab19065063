"""Message templates: Jinja2 text an organisation may edit, checked before it is saved.

Organisations write their own wording, so a template is untrusted input: it runs in
Jinja's sandbox, may use only the named fields below, filters from a short list and
plain expressions (no ``set``, loops, macros, includes or calls), which keeps rendering
cheap and its output bounded. Mistakes are caught when the template is saved, with a
message saying what to fix, not when the first recipient's message fails to go out.
"""

from __future__ import annotations

import re
import traceback
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Final

from jinja2 import StrictUndefined, TemplateSyntaxError, UndefinedError, nodes
from jinja2.exceptions import SecurityError
from jinja2.exceptions import TemplateError as JinjaTemplateError
from jinja2.meta import find_undeclared_variables
from jinja2.runtime import Context
from jinja2.sandbox import SandboxedEnvironment

from doorstep.domain.notify.kinds import Rule

MAX_SOURCE_CHARS: Final = 2000
MAX_OUTPUT_CHARS: Final = 20_000
_MAX_POWER: Final = 64

FIELDS: Mapping[str, str] = {
    "first_name": "the recipient's first name",
    "recipient_name": "the recipient's full name",
    "organisation": "the sending organisation's name",
    "tracking_code": "the delivery's tracking code",
    "tracking_url": "the link to the delivery's tracking page",
    "date": 'the delivery date in words, e.g. "Thursday 26 November"',
    "window": 'the promised time window, e.g. "10:00–12:00"',
    "eta": 'the estimated arrival time, e.g. "10:42"',
    "eta_window": 'the estimated arrival window, e.g. "10:30–11:00"',
    "minutes": "minutes until the driver arrives (a whole number)",
    "stops_away": "stops the driver makes before this one (a whole number)",
    "reason": "why the delivery failed, in plain words",
    "reschedule_url": "the link for choosing a new delivery time",
    "proof_url": "the link to the proof of delivery (photo, signature)",
    "rating_url": "the link for rating the delivery",
    "driver_first_name": "the driver's first name",
    "message": "the text of a relayed chat message",
}

_URL = "https://doorstep.example/t/7K3M9QX2RT5VW8HC"

# SMS wording uses "-" in windows: an en dash is not GSM-7 and would halve a segment.
SAMPLES: Mapping[str, Mapping[str, object]] = {
    "en": {
        "first_name": "Aino",
        "recipient_name": "Aino Virtanen",
        "organisation": "Nordic Parcels",
        "tracking_code": "7K3M9QX2RT5VW8HC",
        "tracking_url": _URL,
        "date": "Thursday 26 November",
        "window": "10:00-12:00",
        "eta": "10:42",
        "eta_window": "10:30-11:00",
        "minutes": 12,
        "stops_away": 3,
        "reason": "nobody was home to sign for it",
        "reschedule_url": f"{_URL}/reschedule",
        "proof_url": f"{_URL}/proof",
        "rating_url": f"{_URL}/rate",
        "driver_first_name": "Mikko",
        "message": "I'm outside, which door should I use?",
    },
    "fi": {
        "first_name": "Aino",
        "recipient_name": "Aino Virtanen",
        "organisation": "Nordic Parcels",
        "tracking_code": "7K3M9QX2RT5VW8HC",
        "tracking_url": _URL,
        "date": "torstai 26.11.",
        "window": "10.00-12.00",
        "eta": "10.42",
        "eta_window": "10.30-11.00",
        "minutes": 12,
        "stops_away": 3,
        "reason": "kukaan ei ollut kotona kuittaamassa",
        "reschedule_url": f"{_URL}/reschedule",
        "proof_url": f"{_URL}/proof",
        "rating_url": f"{_URL}/rate",
        "driver_first_name": "Mikko",
        "message": "Olen ulko-ovella, mistä ovesta pääsen sisään?",
    },
}
SAMPLE: Mapping[str, object] = SAMPLES["en"]

_FILTERS: Final = frozenset(
    {
        "abs",
        "capitalize",
        "d",
        "default",
        "e",
        "escape",
        "first",
        "int",
        "last",
        "length",
        "lower",
        "round",
        "string",
        "striptags",
        "title",
        "trim",
        "truncate",
        "upper",
    }
)

# Expressions and the plain `if` are all a message needs; anything else can loop, grow
# strings without bound, or reach outside the template.
_ALLOWED_NODES: Final = (
    nodes.Template,
    nodes.Output,
    nodes.TemplateData,
    nodes.If,
    nodes.Name,
    nodes.Const,
    nodes.CondExpr,
    nodes.And,
    nodes.Or,
    nodes.Not,
    nodes.Compare,
    nodes.Operand,
    nodes.Concat,
    nodes.Add,
    nodes.Sub,
    nodes.Mul,
    nodes.Div,
    nodes.FloorDiv,
    nodes.Mod,
    nodes.Pow,
    nodes.Neg,
    nodes.Pos,
    nodes.Filter,
    nodes.Test,
    nodes.Keyword,
    nodes.Getattr,
    nodes.Getitem,
    nodes.Slice,
)

_NODE_NAMES: Final = {
    "For": "{% for %} loops",
    "Assign": "{% set %}",
    "AssignBlock": "{% set %}",
    "Macro": "{% macro %}",
    "CallBlock": "{% call %}",
    "Call": "calling functions or methods",
    "Include": "{% include %}",
    "Extends": "{% extends %}",
    "Import": "{% import %}",
    "FromImport": "{% from ... import %}",
    "Block": "{% block %}",
    "With": "{% with %}",
    "FilterBlock": "{% filter %}",
    "List": "lists",
    "Tuple": "tuples",
    "Dict": "dicts",
}


class TemplateError(ValueError):
    """A template that cannot be used; the message says what to change."""


@dataclass(frozen=True)
class MessageTemplate:
    """One message's wording: email has a subject, SMS only a body."""

    subject: str | None
    body: str


class _Sandbox(SandboxedEnvironment):
    """Jinja's sandbox, also refusing arithmetic that would build huge values."""

    intercepted_binops = frozenset({"*", "**", "%"})

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        if operator == "**" and isinstance(right, int | float) and abs(right) > _MAX_POWER:
            raise SecurityError(f"the power {right} is too large")
        if operator == "*":
            for seq, count in ((left, right), (right, left)):
                if (
                    isinstance(seq, str | list | tuple)
                    and isinstance(count, int)
                    and len(seq) * count > MAX_OUTPUT_CHARS
                ):
                    raise SecurityError("repeating text that many times is not allowed")
        if operator == "%" and isinstance(left, str):
            raise SecurityError("'%' formatting of text is not allowed")
        return super().call_binop(context, operator, left, right)


def _environment(autoescape: bool) -> _Sandbox:
    env = _Sandbox(
        undefined=StrictUndefined,
        autoescape=autoescape,
        keep_trailing_newline=False,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.clear()  # range, lipsum, namespace...: nothing a message needs
    return env


_TEXT_ENV: Final = _environment(autoescape=False)
_HTML_ENV: Final = _environment(autoescape=True)


def validate(source: str, *, html: bool = False) -> None:
    """Refuse a template that would fail or misbehave; say exactly what is wrong.

    Checks the length, the syntax, the constructs and field names used, then renders it
    with every sample (StrictUndefined turns a missing value into an error).
    """
    _compile(source, html)
    for sample in SAMPLES.values():
        _render(source, sample, html)


def render(source: str, context: Mapping[str, object]) -> str:
    """The message text: stripped, with runs of blank lines collapsed to one."""
    return _tidy(_render(source, context, html=False))


def render_html(source: str, context: Mapping[str, object]) -> str:
    """Like ``render`` but every field value is HTML-escaped (for HTML email)."""
    return _tidy(_render(source, context, html=True))


def _tidy(text: str) -> str:
    return re.sub(r"\n{3,}", "\n\n", text.strip())


def _render(source: str, context: Mapping[str, object], html: bool) -> str:
    template = _compile(source, html)
    try:
        out: list[str] = []
        size = 0
        for chunk in template.generate(dict(context)):
            size += len(chunk)
            if size > MAX_OUTPUT_CHARS:
                raise TemplateError(f"renders to more than {MAX_OUTPUT_CHARS} characters")
            out.append(chunk)
        return "".join(out)
    except UndefinedError as exc:
        raise TemplateError(_at_line(exc, _undefined_message(exc))) from None
    except SecurityError as exc:
        raise TemplateError(_at_line(exc, f"refused: {exc}")) from None
    except TemplateError:
        raise
    except (JinjaTemplateError, ArithmeticError, TypeError, ValueError) as exc:
        raise TemplateError(_at_line(exc, f"cannot render: {exc}")) from None


@lru_cache(maxsize=512)
def _compile(source: str, html: bool) -> Any:
    """Parse and check once per distinct source; the result is the compiled template."""
    if len(source) > MAX_SOURCE_CHARS:
        raise TemplateError(
            f"template is {len(source)} characters long; the limit is {MAX_SOURCE_CHARS}"
        )
    env = _HTML_ENV if html else _TEXT_ENV
    try:
        ast = env.parse(source)
    except TemplateSyntaxError as exc:
        raise TemplateError(f"syntax error on line {exc.lineno}: {exc.message}") from None
    _check_nodes(ast)
    unknown = sorted(find_undeclared_variables(ast) - FIELDS.keys())
    if unknown:
        raise TemplateError(
            f"unknown field{'s' if len(unknown) > 1 else ''}: {', '.join(unknown)}. "
            f"Allowed fields: {', '.join(FIELDS)}"
        )
    return env.from_string(ast)


def _check_nodes(ast: nodes.Template) -> None:
    """Refuse constructs outside the small language message templates need."""
    for node in _walk(ast):
        line = getattr(node, "lineno", None)
        where = f"line {line}: " if line else ""
        if isinstance(node, nodes.Call) and isinstance(node.node, nodes.Getattr):
            raise TemplateError(where + _getattr_message(node.node))  # say what to use
        if not isinstance(node, _ALLOWED_NODES):
            name = type(node).__name__
            what = _NODE_NAMES.get(name, name)
            raise TemplateError(f"{where}{what} not allowed in message templates")
        if isinstance(node, nodes.Name) and node.name.startswith("_"):
            raise TemplateError(f"{where}names starting with '_' are not allowed")
        if isinstance(node, nodes.Filter) and node.name not in _FILTERS:
            raise TemplateError(
                f"{where}unknown or disallowed filter '{node.name}'. "
                f"Allowed filters: {', '.join(sorted(_FILTERS))}"
            )
        if isinstance(node, nodes.Getattr):
            raise TemplateError(where + _getattr_message(node))
        if isinstance(node, nodes.Getitem) and not (
            isinstance(node.arg, nodes.Slice)
            or (isinstance(node.arg, nodes.Const) and type(node.arg.value) is int)
        ):
            raise TemplateError(f"{where}only [number] or [start:end] indexing is allowed")


def _getattr_message(node: nodes.Getattr) -> str:
    """Fields are plain text or numbers: say so, and what to use instead."""
    if node.attr.startswith("_"):
        return f"attributes starting with '_' are not allowed ('.{node.attr}')"
    if isinstance(node.node, nodes.Name) and node.node.name in FIELDS:
        field = node.node.name
        if not hasattr(SAMPLE[field], node.attr):
            return (
                f"{field} has no attribute '{node.attr}': fields are plain "
                f"{'numbers' if isinstance(SAMPLE[field], int) else 'text'}"
            )
        return (
            f"'{field}.{node.attr}' is not allowed: use a filter instead, "
            f"e.g. {{{{ {field}|upper }}}}"
        )
    return f"attribute access ('.{node.attr}') is not allowed"


def _walk(node: nodes.Node) -> Iterator[nodes.Node]:
    yield node
    for child in node.iter_child_nodes():
        yield from _walk(child)


def _undefined_message(exc: UndefinedError) -> str:
    """Jinja says "'eta' is undefined"; say which field had no value instead."""
    match = re.fullmatch(r"'(\w+)' is undefined", str(exc))
    if match:
        return f"no value for field '{match.group(1)}'"
    return str(exc)


def _at_line(exc: BaseException, message: str) -> str:
    """Prefix the template line the error happened on, when the traceback shows it."""
    lines = [
        frame.lineno
        for frame in traceback.extract_tb(exc.__traceback__)
        if frame.filename == "<template>"
    ]
    return f"line {lines[-1]}: {message}" if lines else message


# -- default wording -------------------------------------------------------------------

CHANNELS: Final = ("sms", "email")
LANGUAGES: Final = ("en", "fi")
FALLBACK_LANGUAGE: Final = "en"

_EN_HI = "Hi{% if first_name %} {{ first_name }}{% endif %},"
_FI_HI = "Hei{% if first_name %} {{ first_name }}{% endif %},"

_EN_STOPS = (
    "{% if stops_away %} ({{ stops_away }} {{ 'stop' if stops_away == 1 else 'stops' }}"
    " before yours){% endif %}"
)
_FI_STOPS = (
    "{% if stops_away %} ({{ stops_away }}"
    " {{ 'pysähdys' if stops_away == 1 else 'pysähdystä' }} ennen sinua){% endif %}"
)

_SMS: Final[dict[tuple[Rule, str], str]] = {
    (Rule.scheduled, "en"): (
        f"{_EN_HI} your delivery from {{{{ organisation }}}} is scheduled for {{{{ date }}}}, "
        "{{ window }}. Track: {{ tracking_url }}"
    ),
    (Rule.scheduled, "fi"): (
        f"{{{{ organisation }}}}: {_FI_HI} toimitusaikasi on {{{{ date }}}} klo {{{{ window }}}}."
        " Seuraa: {{ tracking_url }}"
    ),
    (Rule.out_for_delivery, "en"): (
        "{{ organisation }}: your delivery is on its way and arrives today, {{ window }}."
        " Track: {{ tracking_url }}"
    ),
    (Rule.out_for_delivery, "fi"): (
        "{{ organisation }}: Toimituksesi on matkalla ja saapuu tänään klo {{ window }}."
        " Seuraa: {{ tracking_url }}"
    ),
    (Rule.arriving, "en"): (
        "{{ organisation }}: {{ driver_first_name }} is about {{ minutes }} min away"
        + _EN_STOPS
        + ". Track: {{ tracking_url }}"
    ),
    (Rule.arriving, "fi"): (
        "{{ organisation }}: Kuljettaja {{ driver_first_name }} on noin {{ minutes }} min"
        " päässä" + _FI_STOPS + ". Seuraa: {{ tracking_url }}"
    ),
    (Rule.delayed, "en"): (
        "{{ organisation }}: sorry, your delivery is running late. New estimate:"
        " {{ eta_window }}. Track: {{ tracking_url }}"
    ),
    (Rule.delayed, "fi"): (
        "{{ organisation }}: Pahoittelemme, toimituksesi myöhästyy. Uusi arvio: klo"
        " {{ eta_window }}. Seuraa: {{ tracking_url }}"
    ),
    (Rule.delivered, "en"): (
        "{{ organisation }}: your delivery has arrived. Proof: {{ proof_url }}"
        " Details: {{ tracking_url }}"
    ),
    (Rule.delivered, "fi"): (
        "{{ organisation }}: Lähetyksesi on toimitettu. Kuittaus: {{ proof_url }}"
        " Seuranta: {{ tracking_url }}"
    ),
    (Rule.failed, "en"): (
        "{{ organisation }}: we could not deliver today: {{ reason }}. New time:"
        " {{ reschedule_url }} Track: {{ tracking_url }}"
    ),
    (Rule.failed, "fi"): (
        "{{ organisation }}: Toimitus ei onnistunut tänään: {{ reason }}. Uusi aika:"
        " {{ reschedule_url }} Seuranta: {{ tracking_url }}"
    ),
    (Rule.rating_request, "en"): (
        "{{ organisation }}: how did your delivery go? Rate it: {{ rating_url }}"
        " Details: {{ tracking_url }}"
    ),
    (Rule.rating_request, "fi"): (
        "{{ organisation }}: Miten toimitus onnistui? Anna arvio: {{ rating_url }}"
        " Seuranta: {{ tracking_url }}"
    ),
    (Rule.chat, "en"): "{{ driver_first_name }} ({{ organisation }}): {{ message }}",
    (Rule.chat, "fi"): "{{ driver_first_name }} ({{ organisation }}): {{ message }}",
}

_EN_FOOTER = "\n\nTracking code: {{ tracking_code }}\n\n{{ organisation }}"
_FI_FOOTER = "\n\nSeurantakoodi: {{ tracking_code }}\n\nYstävällisin terveisin\n{{ organisation }}"

_EMAIL: Final[dict[tuple[Rule, str], MessageTemplate]] = {
    (Rule.scheduled, "en"): MessageTemplate(
        "Your {{ organisation }} delivery is scheduled for {{ date }}",
        f"{_EN_HI}\n\nYour delivery from {{{{ organisation }}}} is scheduled for"
        " {{ date }}, between {{ window }}.\n\nTrack it, leave instructions for the"
        " driver or choose another time:\n{{ tracking_url }}" + _EN_FOOTER,
    ),
    (Rule.scheduled, "fi"): MessageTemplate(
        "{{ organisation }}: toimitusaikasi on {{ date }}",
        f"{_FI_HI}\n\nToimituksesi lähettäjältä {{{{ organisation }}}} on aikataulutettu:"
        " {{ date }} klo {{ window }}.\n\nVoit seurata toimitusta, jättää ohjeita kuljettajalle tai"
        " valita toisen ajan täältä:\n{{ tracking_url }}" + _FI_FOOTER,
    ),
    (Rule.out_for_delivery, "en"): MessageTemplate(
        "Your {{ organisation }} delivery arrives today",
        f"{_EN_HI}\n\nYour delivery is on its way and will arrive today between"
        " {{ window }}.\n\nFollow the driver live:\n{{ tracking_url }}" + _EN_FOOTER,
    ),
    (Rule.out_for_delivery, "fi"): MessageTemplate(
        "{{ organisation }}: toimituksesi saapuu tänään",
        f"{_FI_HI}\n\nToimituksesi on matkalla ja saapuu tänään klo {{{{ window }}}}.\n\n"
        "Seuraa kuljettajaa reaaliajassa:\n{{ tracking_url }}" + _FI_FOOTER,
    ),
    (Rule.arriving, "en"): MessageTemplate(
        "{{ driver_first_name }} is about {{ minutes }} minutes away",
        f"{_EN_HI}\n\n{{{{ driver_first_name }}}} from {{{{ organisation }}}} is about"
        " {{ minutes }} minutes away" + _EN_STOPS + ", expected at {{ eta }}.\n\n"
        "Follow the driver live:\n{{ tracking_url }}" + _EN_FOOTER,
    ),
    (Rule.arriving, "fi"): MessageTemplate(
        "Kuljettaja {{ driver_first_name }} on noin {{ minutes }} minuutin päässä",
        f"{_FI_HI}\n\nKuljettaja {{{{ driver_first_name }}}} ({{{{ organisation }}}}) on"
        " noin {{ minutes }} minuutin päässä" + _FI_STOPS + " ja saapuu arviolta klo"
        " {{ eta }}.\n\nSeuraa kuljettajaa reaaliajassa:\n{{ tracking_url }}" + _FI_FOOTER,
    ),
    (Rule.delayed, "en"): MessageTemplate(
        "Your {{ organisation }} delivery is running late",
        f"{_EN_HI}\n\nWe're sorry: your delivery is running late. The driver now expects"
        " to arrive between {{ eta_window }}.\n\nFollow the driver live:\n"
        "{{ tracking_url }}" + _EN_FOOTER,
    ),
    (Rule.delayed, "fi"): MessageTemplate(
        "{{ organisation }}: toimituksesi myöhästyy",
        f"{_FI_HI}\n\nPahoittelemme, toimituksesi myöhästyy. Uusi arvioitu saapumisaika on"
        " klo {{ eta_window }}.\n\nSeuraa kuljettajaa reaaliajassa:\n{{ tracking_url }}"
        + _FI_FOOTER,
    ),
    (Rule.delivered, "en"): MessageTemplate(
        "Your {{ organisation }} delivery has arrived",
        f"{_EN_HI}\n\nYour delivery from {{{{ organisation }}}} has been delivered.\n\n"
        "Proof of delivery:\n{{ proof_url }}\n\nDelivery details:\n{{ tracking_url }}" + _EN_FOOTER,
    ),
    (Rule.delivered, "fi"): MessageTemplate(
        "{{ organisation }}: lähetyksesi on toimitettu",
        f"{_FI_HI}\n\nLähetyksesi on toimitettu perille.\n\nToimituskuittaus:\n"
        "{{ proof_url }}\n\nToimituksen tiedot:\n{{ tracking_url }}" + _FI_FOOTER,
    ),
    (Rule.failed, "en"): MessageTemplate(
        "We could not deliver your {{ organisation }} delivery",
        f"{_EN_HI}\n\nWe tried to deliver today but could not: {{{{ reason }}}}.\n\n"
        "Choose a new delivery time:\n{{ reschedule_url }}\n\nDelivery details:\n"
        "{{ tracking_url }}" + _EN_FOOTER,
    ),
    (Rule.failed, "fi"): MessageTemplate(
        "{{ organisation }}: toimitus ei onnistunut",
        f"{_FI_HI}\n\nYritimme toimittaa lähetyksesi tänään, mutta se ei onnistunut:"
        " {{ reason }}.\n\nValitse uusi toimitusaika:\n{{ reschedule_url }}\n\n"
        "Toimituksen tiedot:\n{{ tracking_url }}" + _FI_FOOTER,
    ),
    (Rule.rating_request, "en"): MessageTemplate(
        "How did your {{ organisation }} delivery go?",
        f"{_EN_HI}\n\nThank you for choosing {{{{ organisation }}}}. How did your delivery"
        " go? It takes a few seconds to rate:\n{{ rating_url }}\n\nDelivery details:\n"
        "{{ tracking_url }}" + _EN_FOOTER,
    ),
    (Rule.rating_request, "fi"): MessageTemplate(
        "{{ organisation }}: miten toimitus onnistui?",
        f"{_FI_HI}\n\nKiitos, että asioit kanssamme! Miten toimitus onnistui?"
        " Arvion antaminen vie vain hetken:\n{{ rating_url }}\n\nToimituksen tiedot:\n"
        "{{ tracking_url }}" + _FI_FOOTER,
    ),
    (Rule.chat, "en"): MessageTemplate(
        "Message from {{ driver_first_name }} ({{ organisation }})",
        "{{ driver_first_name }} ({{ organisation }}) wrote:\n\n{{ message }}",
    ),
    (Rule.chat, "fi"): MessageTemplate(
        "Viesti kuljettajalta {{ driver_first_name }} ({{ organisation }})",
        "{{ driver_first_name }} ({{ organisation }}) kirjoitti:\n\n{{ message }}",
    ),
}

DEFAULTS: Mapping[tuple[Rule, str, str], MessageTemplate] = {
    **{
        (rule, "sms", language): MessageTemplate(None, body)
        for (rule, language), body in _SMS.items()
    },
    **{(rule, "email", language): tpl for (rule, language), tpl in _EMAIL.items()},
}


def default_template(rule: Rule, channel: str, language: str) -> MessageTemplate:
    """The built-in wording; an unknown language falls back to English.

    ``language`` may be a tag like "fi-FI": only its primary subtag is used.
    """
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}; expected one of {', '.join(CHANNELS)}")
    primary = language.split("-")[0].split("_")[0].lower()
    if primary not in LANGUAGES:
        primary = FALLBACK_LANGUAGE
    return DEFAULTS[(Rule(rule), channel, primary)]
